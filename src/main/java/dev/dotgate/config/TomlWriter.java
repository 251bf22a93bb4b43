package dev.dotgate.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a {@link GatewayConfig} as the TOML document {@code check-config} prints, from the declared
 * {@link Settings}: top-level keys first, then each table in the order its first key is declared, then the arrays
 * of tables. What it writes reads back to the same settings.
 */
final class TomlWriter {
    private TomlWriter() {
    }

    static String write(GatewayConfig config) {
        StringBuilder top = new StringBuilder();
        Map<String, StringBuilder> tables = new LinkedHashMap<>();
        List<String> arrays = new ArrayList<>();
        for (Settings.Entry e : Settings.all()) {
            if (e.inArray()) {
                continue;
            }
            Object value = e.valueIn(config);
            Class<?> element = e.elementType();
            if (Settings.isTable(element)) {
                for (Object table : (List<?>) value) {
                    StringBuilder sb = new StringBuilder("\n[[").append(e.key()).append("]]\n");
                    for (var c : element.getRecordComponents()) {
                        line(sb, c.getAnnotation(Setting.class).key(), Binder.get(c, table), c.getType());
                    }
                    arrays.add(sb.toString());
                }
                continue;
            }
            int dot = e.key().lastIndexOf('.');
            StringBuilder sb = dot < 0 ? top : tables.computeIfAbsent(e.key().substring(0, dot),
                    t -> new StringBuilder());
            line(sb, e.key().substring(dot + 1), value, e.type());
        }
        StringBuilder out = new StringBuilder(top);
        for (Map.Entry<String, StringBuilder> t : tables.entrySet()) {
            out.append("\n[").append(t.getKey()).append("]\n").append(t.getValue());
        }
        arrays.forEach(out::append);
        return out.toString();
    }

    private static void line(StringBuilder sb, String name, Object value, Class<?> type) {
        if (value == null && type != InetSocketAddress.class) {
            return; // not set (cert, key, ca, allowlist)
        }
        sb.append(name).append(" = ").append(value(value)).append('\n');
    }

    private static String value(Object v) {
        if (v == null) {
            return q("off");
        }
        if (v instanceof List<?> list) {
            return list.stream().map(TomlWriter::value).collect(Collectors.joining(", ", "[", "]"));
        }
        if (v instanceof Boolean || v instanceof Number) {
            return v.toString();
        }
        if (v instanceof Duration d) {
            return q(Durations.format(d));
        }
        if (v instanceof InetSocketAddress a) {
            return q(HostPort.format(a));
        }
        if (v instanceof Path || v instanceof String || v instanceof UpstreamSpec) {
            return q(v.toString());
        }
        throw new IllegalStateException("no TOML form for " + v.getClass());
    }

    private static String q(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
