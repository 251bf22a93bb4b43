package dev.dotgate.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link GatewayConfig}: the TOML file read by Jackson into a tree, its keys checked against the
 * declared {@link Settings}, the flags laid over it as overrides of the same keys, then bound into the records
 * ({@link Binder}); what is missing takes the declared default. Every error names the key as written in the file,
 * or the flag when the value came from a flag, and the value.
 */
public final class ConfigLoader {
    private static volatile GatewayConfig defaults;

    private ConfigLoader() {
    }

    /** A further check of a loaded configuration, by a package that builds objects from it (policy, cache). */
    @FunctionalInterface
    public interface Check {
        /** Throws a {@link ConfigException} naming the key at fault. */
        void check(GatewayConfig config);
    }

    /**
     * Values from flags: overrides of settings by key, each remembered with its flag so that an error about it
     * names the flag. Only settings given are set.
     */
    public static final class Overrides {
        private final Map<String, JsonNode> values = new LinkedHashMap<>();
        private final Map<String, String> flags = new LinkedHashMap<>();

        public static Overrides none() {
            return new Overrides();
        }

        /** Only the addresses, upstreams and directories: what a test gateway needs. */
        public static Overrides basic(List<String> listen, List<String> dotListen, List<String> upstreams,
                Path upstreamCa, Path dataDir, String serverName, String upstreamTimeout) {
            return new Overrides().set("listen.plain", listen).set("listen.dot", dotListen)
                    .set("upstream.servers", upstreams).set("upstream.ca", upstreamCa).set("data_dir", dataDir)
                    .set("server_name", serverName).set("upstream.timeout", upstreamTimeout);
        }

        /** Sets {@code key} to the flag's value(s) as given on the command line; null or empty sets nothing. */
        public Overrides set(String key, Object value) {
            Settings.Entry e = Settings.byKey(key);
            if (e == null) {
                throw new IllegalArgumentException("no setting " + key);
            }
            JsonNodeFactory f = JsonNodeFactory.instance;
            JsonNode node;
            if (value == null || value instanceof List<?> l && l.isEmpty()) {
                return this;
            } else if (value instanceof List<?> l) {
                node = f.arrayNode();
                l.forEach(v -> ((com.fasterxml.jackson.databind.node.ArrayNode) node).add(String.valueOf(v)));
            } else if (value instanceof Boolean b) {
                node = f.booleanNode(b);
            } else if (e.type() == List.class) {
                node = f.arrayNode().add(value.toString());
            } else {
                node = f.textNode(value.toString());
            }
            values.put(key, node);
            flags.put(key, e.flag() != null ? e.flag() : key);
            return this;
        }

        void layOn(ObjectNode root) {
            for (Map.Entry<String, JsonNode> v : values.entrySet()) {
                String[] parts = v.getKey().split("\\.");
                ObjectNode table = root;
                for (int i = 0; i < parts.length - 1; i++) {
                    JsonNode next = table.get(parts[i]);
                    table = next instanceof ObjectNode o ? o : table.putObject(parts[i]);
                }
                table.set(parts[parts.length - 1], v.getValue());
            }
        }

        /** Key to flag, for the settings given. */
        Map<String, String> flags() {
            return flags;
        }
    }

    /**
     * Reads {@code file} (null for none), lays {@code flags} over it, binds and checks the result, then runs
     * {@code checks}.
     */
    public static GatewayConfig load(Path file, Overrides flags, Check... checks) throws ConfigException {
        ObjectNode tree = file == null ? JsonNodeFactory.instance.objectNode() : read(file);
        checkKeys(tree, "");
        flags.layOn(tree);
        Path base = file == null ? null : file.toAbsolutePath().normalize().getParent();
        try {
            GatewayConfig config = new Binder(tree, flags.flags(), base).bind();
            DataDirs.checkCreatable("data_dir", config.dataDir());
            for (Check c : checks) {
                c.check(config);
            }
            return config;
        } catch (ConfigException e) {
            throw named(e, flags.flags());
        }
    }

    /** Every setting at its declared default. */
    public static GatewayConfig defaults() {
        GatewayConfig d = defaults;
        if (d == null) {
            d = new Binder(JsonNodeFactory.instance.objectNode(), Map.of(), null).bind();
            defaults = d;
        }
        return d;
    }

    /** The error with each key that a flag gave, where it names the value at fault, replaced by the flag. */
    private static ConfigException named(ConfigException e, Map<String, String> flags) {
        String message = e.getMessage();
        for (Map.Entry<String, String> f : flags.entrySet()) {
            // The key the message is about (at its start) and keys it names as the other party ("of KEY:").
            Matcher m = Pattern.compile("(?<![\\w.\\[-])" + Pattern.quote(f.getKey()) + "(?=[:\\[])")
                    .matcher(message);
            message = m.replaceAll(Matcher.quoteReplacement(f.getValue()));
        }
        return message.equals(e.getMessage()) ? e : new ConfigException(message);
    }

    private static ObjectNode read(Path file) {
        Path shown = file.toAbsolutePath().normalize();
        JsonNode root;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(shown + ": is a directory, not a config file");
            }
            root = new TomlMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(shown + ": no such config file");
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")";
            throw new ConfigException(shown + ": not valid TOML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(shown + ": cannot read: " + e.getMessage());
        }
        return root instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
    }

    /** Every key of the file must be declared; a key that holds settings must be a table. */
    private static void checkKeys(JsonNode node, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = prefix + field.getKey();
            if (Settings.byKey(key) != null) {
                continue;
            }
            if (isTable(key)) {
                if (!field.getValue().isObject()) {
                    throw ConfigException.of(key, field.getValue().asText(), "must be a table ([" + key + "])");
                }
                checkKeys(field.getValue(), key + ".");
                continue;
            }
            throw new ConfigException(key + ": unknown setting (known here: " + String.join(", ", known(prefix))
                    + ")");
        }
    }

    private static boolean isTable(String key) {
        for (Settings.Entry e : Settings.all()) {
            if (!e.inArray() && e.key().startsWith(key + ".")) {
                return true;
            }
        }
        return false;
    }

    /** The names allowed directly under {@code prefix}. */
    private static List<String> known(String prefix) {
        TreeSet<String> names = new TreeSet<>();
        for (Settings.Entry e : Settings.all()) {
            if (!e.inArray() && e.key().startsWith(prefix)) {
                String rest = e.key().substring(prefix.length());
                names.add(rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest);
            }
        }
        return new ArrayList<>(names);
    }
}
