package dev.dotgate.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting, in the order declared, read once from the {@link Setting} annotations on {@link GatewayConfig}'s
 * records: the list the loader, the command line, {@code check-config}, reload and the README test all use.
 */
public final class Settings {
    /**
     * One setting.
     *
     * @param key       the dotted key; {@code forward[].zone} for a key of the {@code [[forward]]} tables
     * @param setting   its declaration
     * @param component the record component holding its value
     * @param path      the components leading to it from {@link GatewayConfig} (empty for an element's key)
     */
    public record Entry(String key, Setting setting, RecordComponent component, List<RecordComponent> path) {
        /** The flag, or null when the setting has none. */
        public String flag() {
            return setting.flag().isEmpty() ? null : setting.flag();
        }

        /** The Java type of the value. */
        public Class<?> type() {
            return component.getType();
        }

        /** For a list, the type of its elements; else null. */
        public Class<?> elementType() {
            Type t = component.getGenericType();
            if (t instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> c) {
                return c;
            }
            return null;
        }

        /** Whether this is a key inside the tables of an array of tables ({@code [[forward]]}). */
        public boolean inArray() {
            return key.contains("[]");
        }

        /** The default as the README and the help show it. */
        public String shownDefault() {
            if (!setting.shown().isEmpty()) {
                return setting.shown();
            }
            String d = setting.dflt();
            if (d.isEmpty()) {
                return "none";
            }
            boolean plainString = d.length() > 1 && d.startsWith("\"") && d.indexOf('"', 1) == d.length() - 1;
            return "`" + (plainString ? d.substring(1, d.length() - 1) : d) + "`";
        }

        /** This setting's value in {@code config}. */
        public Object valueIn(GatewayConfig config) {
            Object o = config;
            for (RecordComponent c : path) {
                o = Binder.get(c, o);
            }
            return o;
        }
    }

    private static final List<Entry> ALL;
    private static final Map<String, Entry> BY_KEY = new LinkedHashMap<>();

    static {
        List<Entry> declared = new ArrayList<>();
        collect(GatewayConfig.class, List.of(), "", declared);
        // Top-level keys first, as a TOML file has them (a key after a table header belongs to the table).
        List<Entry> all = new ArrayList<>();
        declared.stream().filter(e -> e.key().indexOf('.') < 0 && !e.inArray()
                && !isTable(e.elementType())).forEach(all::add);
        declared.stream().filter(e -> !all.contains(e)).forEach(all::add);
        ALL = Collections.unmodifiableList(all);
        for (Entry e : all) {
            BY_KEY.put(e.key(), e);
        }
    }

    private Settings() {
    }

    private static void collect(Class<?> record, List<RecordComponent> path, String prefix, List<Entry> out) {
        for (RecordComponent c : record.getRecordComponents()) {
            List<RecordComponent> here = new ArrayList<>(path);
            here.add(c);
            Setting s = c.getAnnotation(Setting.class);
            if (s == null) {
                collect(c.getType(), here, prefix, out);
                continue;
            }
            Entry e = new Entry(prefix + s.key(), s, c, prefix.isEmpty() ? List.copyOf(here) : List.of());
            if (s.internal()) {
                continue;
            }
            out.add(e);
            Class<?> element = e.elementType();
            if (isTable(element)) {
                collect(element, List.of(), prefix + s.key() + "[].", out);
            }
        }
    }

    /** Whether {@code type} is a table of settings (a record whose components are settings). */
    static boolean isTable(Class<?> type) {
        return type != null && type.isRecord() && type.getRecordComponents().length > 0
                && type.getRecordComponents()[0].isAnnotationPresent(Setting.class);
    }

    /**
     * Every setting in declaration order, the top-level keys first and the keys of {@code [[forward]]} after
     * {@code forward}.
     */
    public static List<Entry> all() {
        return ALL;
    }

    /** The setting with this key, or null. */
    public static Entry byKey(String key) {
        return BY_KEY.get(key);
    }

    /** The setting with this flag, or null. */
    public static Entry byFlag(String flag) {
        for (Entry e : ALL) {
            if (flag.equals(e.flag())) {
                return e;
            }
        }
        return null;
    }

    /**
     * The keys whose values differ between {@code a} and {@code b}, in declaration order; only those that take a
     * restart when {@code restartOnly}.
     */
    public static List<String> changed(GatewayConfig a, GatewayConfig b, boolean restartOnly) {
        List<String> out = new ArrayList<>();
        for (Entry e : ALL) {
            if (!e.inArray() && (!restartOnly || e.setting().restart())
                    && !Objects.equals(e.valueIn(a), e.valueIn(b))) {
                out.add(e.key());
            }
        }
        return out;
    }
}
