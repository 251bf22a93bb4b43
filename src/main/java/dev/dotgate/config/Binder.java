package dev.dotgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds the merged settings tree (the TOML file as Jackson read it, with the flags laid over it) into the records
 * of {@link GatewayConfig}: each component's value is found by its declared key, converted by its Java type,
 * checked by its declaration, and the record's constructor checks what involves several keys. Every error names
 * the key (the flag is put in by {@link ConfigLoader} when a flag gave the value) and the value.
 *
 * <p>Why not Jackson's own record binding: the file's tables are not the records' shape ({@code [acl]} belongs to
 * {@link PolicyOptions}, {@code [events]} and {@code [metrics]} to {@link ObserveOptions}, {@code [proxy_protocol]}
 * to {@link ListenOptions}), and its errors name Java types, not keys. Binding by declared key keeps the records
 * every consumer already reads and one declaration per setting.
 */
final class Binder {
    private static final TomlMapper TOML = new TomlMapper();
    private static final Map<String, JsonNode> DEFAULTS = new ConcurrentHashMap<>();

    private final JsonNode root;
    private final Map<String, String> flags;
    private final Path base;

    /**
     * @param root  the merged tree (may be empty)
     * @param flags key to the flag that gave its value
     * @param base  the config file's directory, against which relative paths from the file resolve; null for none
     */
    Binder(JsonNode root, Map<String, String> flags, Path base) {
        this.root = root;
        this.flags = flags;
        this.base = base;
    }

    GatewayConfig bind() {
        return bind(GatewayConfig.class, root, "");
    }

    private <R> R bind(Class<R> type, JsonNode scope, String prefix) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            Setting s = c.getAnnotation(Setting.class);
            args[i] = s == null ? bind(c.getType(), scope, prefix) : value(c, s, scope, prefix);
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ConfigException ce) {
                throw prefix.isEmpty() ? ce : new ConfigException(prefix + ce.getMessage());
            }
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    /** The value of one setting: from the tree, else its default. */
    private Object value(RecordComponent c, Setting s, JsonNode scope, String prefix) {
        String key = prefix + s.key();
        JsonNode node = s.internal() ? null : find(scope, s.key());
        boolean fromFile = node != null && !flags.containsKey(key);
        if (node == null) {
            node = defaultNode(s);
        }
        Class<?> t = c.getType();
        if (t == List.class) {
            return list(c, s, key, node, fromFile);
        }
        if (node == null) {
            return t == boolean.class ? false : null;
        }
        if (t == boolean.class) {
            if (!node.isBoolean()) {
                throw ConfigException.of(key, Values.text(node), "must be true or false");
            }
            return node.asBoolean();
        }
        if (t == int.class || t == long.class) {
            long v;
            if (node.isIntegralNumber()) {
                v = node.asLong();
            } else if (node.isTextual() && flags.containsKey(key) && node.asText().matches("-?\\d{1,18}")) {
                v = Long.parseLong(node.asText());
            } else {
                throw ConfigException.of(key, Values.text(node), "must be a whole number");
            }
            if (v < s.min() || v > s.max()) {
                throw ConfigException.of(key, v, "is outside " + s.min() + "-" + s.max());
            }
            return t == int.class ? (Object) (int) v : (Object) v;
        }
        if (t == double.class) {
            return node.asDouble();
        }
        String text = Values.string(key, node);
        if (t == String.class) {
            return s.check() == Setting.Check.SINK ? Values.sink(key, text, fromFile, base) : text;
        }
        if (t == Duration.class) {
            return Values.duration(key, text, s.check());
        }
        if (t == Path.class) {
            Path p = Values.path(text, fromFile, base);
            if (s.check() == Setting.Check.FILE) {
                Values.readable(key, p);
            }
            return p;
        }
        if (t == InetSocketAddress.class) {
            return text.isBlank() || text.equals("off") ? null : HostPort.parse(key, text, 0, false);
        }
        throw new IllegalStateException(key + ": no conversion to " + t);
    }

    private Object list(RecordComponent c, Setting s, String key, JsonNode node, boolean fromFile) {
        Class<?> element = (Class<?>) ((java.lang.reflect.ParameterizedType) c.getGenericType())
                .getActualTypeArguments()[0];
        if (Settings.isTable(element)) {
            return tables(element, key, node);
        }
        if (element == UpstreamSpec.class) {
            return upstreams(key, node);
        }
        List<Object> out = new ArrayList<>();
        for (String v : Values.strings(key, node)) {
            if (element == InetSocketAddress.class) {
                out.add(HostPort.parse(key, v, 0, false));
            } else if (s.check() == Setting.Check.SOURCES) {
                out.add(Values.source(key, v, fromFile, base));
            } else if (s.check() == Setting.Check.FILE) {
                Path p = Values.path(v, fromFile, base);
                Values.readable(key, p);
                out.add(p.toString());
            } else {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Upstreams: each a URI string, or an inline table with {@code url} and the options of {@link UpstreamSpec}
     * ({@code pin_sha256}, {@code pool_size}, {@code timeout}, {@code ecs}, {@code method}, {@code 0x20}) laid over
     * the URI's. A table's errors are named {@code key[N].option}.
     */
    private static List<Object> upstreams(String key, JsonNode node) {
        if (node == null) {
            return List.of();
        }
        List<Object> out = new ArrayList<>();
        int i = 0;
        for (JsonNode e : node.isArray() ? node : List.of(node)) {
            String at = key + "[" + i++ + "]";
            if (e.isTextual()) {
                out.add(UpstreamSpec.parse(key, e.asText()));
            } else if (e.isObject()) {
                out.add(upstreamTable(at, e));
            } else {
                throw ConfigException.of(key, e.toString(), "must be an upstream URI in quotes, or an inline "
                        + "table such as { url = \"tls://dns.example\", pin_sha256 = [\"...\"] }");
            }
        }
        return List.copyOf(out);
    }

    private static UpstreamSpec upstreamTable(String at, JsonNode table) {
        JsonNode url = table.get("url");
        if (url == null || !url.isTextual()) {
            throw new ConfigException(at + ".url: missing; an upstream table needs url = \"tls://...\"");
        }
        UpstreamSpec.Parser p = UpstreamSpec.parser(at + ".url", url.asText());
        var fields = table.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            String k = at + "." + f.getKey();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "url" -> { }
                case "pin_sha256" -> {
                    for (String pin : Values.strings(k, v)) {
                        p.pin(pin);
                    }
                }
                case "pool_size" -> {
                    if (!v.isIntegralNumber()) {
                        throw ConfigException.of(k, Values.text(v), "must be a whole number");
                    }
                    p.poolSize(v.asInt());
                }
                case "timeout" -> p.timeout(Values.duration(k, Values.string(k, v), Setting.Check.POSITIVE));
                case "ecs" -> p.forwardEcs(bool(k, v));
                case "0x20" -> p.randomizeCase(bool(k, v));
                case "method" -> p.method(Values.string(k, v));
                default -> throw new ConfigException(k + ": unknown setting (known here: url, pin_sha256, "
                        + "pool_size, timeout, ecs, method, 0x20)");
            }
        }
        return p.build();
    }

    private static boolean bool(String key, JsonNode v) {
        if (!v.isBoolean()) {
            throw ConfigException.of(key, Values.text(v), "must be true or false");
        }
        return v.asBoolean();
    }

    /** An array of tables ({@code [[forward]]}): each bound into {@code element}, keys named {@code key[N].}. */
    private List<Object> tables(Class<?> element, String key, JsonNode node) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ConfigException.of(key, node.toString(), "must be an array of tables: [[" + key + "]] with "
                    + keysOf(element));
        }
        List<Object> out = new ArrayList<>();
        int i = 0;
        for (JsonNode table : node) {
            String prefix = key + "[" + i++ + "]";
            if (!table.isObject()) {
                throw ConfigException.of(prefix, table.toString(), "must be a table with " + keysOf(element));
            }
            TreeSet<String> known = new TreeSet<>();
            for (RecordComponent rc : element.getRecordComponents()) {
                known.add(rc.getAnnotation(Setting.class).key());
            }
            table.fieldNames().forEachRemaining(k -> {
                if (!known.contains(k)) {
                    throw new ConfigException(prefix + "." + k + ": unknown setting (known here: "
                            + String.join(", ", known) + ")");
                }
            });
            out.add(bind(element, table, prefix + "."));
        }
        return out;
    }

    private static String keysOf(Class<?> record) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent rc : record.getRecordComponents()) {
            keys.add(rc.getAnnotation(Setting.class).key());
        }
        return String.join(" and ", keys);
    }

    /** The node at dotted {@code key} below {@code scope}, or null. */
    static JsonNode find(JsonNode scope, String key) {
        JsonNode n = scope;
        for (String part : key.split("\\.")) {
            if (n == null || !n.isObject()) {
                return null;
            }
            n = n.get(part);
        }
        return n;
    }

    static JsonNode defaultNode(Setting s) {
        if (s.dflt().isEmpty()) {
            return null;
        }
        return DEFAULTS.computeIfAbsent(s.dflt(), d -> {
            try {
                return TOML.readTree("v = " + d).get("v");
            } catch (java.io.IOException e) {
                throw new UncheckedIOException("bad declared default " + d, e);
            }
        });
    }

    /** The value of component {@code c} of record {@code o}. */
    static Object get(RecordComponent c, Object o) {
        try {
            return c.getAccessor().invoke(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
