package dev.dotgate.cli;

import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.Settings;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command-line options that override settings, generated from the settings' declarations: the flag, its
 * value's label, the help line and the default all come from {@link dev.dotgate.config.Setting}, and the values
 * given become {@link ConfigLoader.Overrides} of the same keys.
 */
final class SettingOptions {
    private SettingOptions() {
    }

    /** Adds an option to {@code spec} for every setting with a flag, or only those of {@code keys} when given. */
    static void addTo(CommandSpec spec, Set<String> keys) {
        for (Settings.Entry e : Settings.all()) {
            if (e.flag() == null || !keys.isEmpty() && !keys.contains(e.key())) {
                continue;
            }
            OptionSpec.Builder b = OptionSpec.builder(e.flag()).userObject(e);
            String doc = plain(e.setting().doc());
            if (e.type() == boolean.class) {
                b.arity("0").type(boolean.class).description(doc + (e.flag().startsWith("--no-") ? " (turns "
                        + e.key() + " off)" : ""));
            } else if (e.type() == List.class) {
                b.type(List.class).auxiliaryTypes(String.class).paramLabel(label(e))
                        .description(doc + "; repeatable (" + e.key() + ", default " + plain(e.shownDefault()) + ")");
            } else {
                b.type(String.class).paramLabel(label(e))
                        .description(doc + " (" + e.key() + ", default " + plain(e.shownDefault()) + ")");
            }
            spec.addOption(b.build());
        }
    }

    /** The settings the user gave as flags on {@code spec}'s command line. */
    static ConfigLoader.Overrides overrides(CommandSpec spec) {
        ConfigLoader.Overrides o = ConfigLoader.Overrides.none();
        for (OptionSpec option : spec.options()) {
            if (option.userObject() instanceof Settings.Entry e) {
                Object v = option.getValue();
                if (e.type() == boolean.class) {
                    if (Boolean.TRUE.equals(v)) {
                        o.set(e.key(), !e.flag().startsWith("--no-"));
                    }
                } else {
                    o.set(e.key(), v);
                }
            }
        }
        return o;
    }

    private static String label(Settings.Entry e) {
        return e.setting().label().isEmpty() ? "VALUE" : e.setting().label();
    }

    /** The help text without the README's markdown. */
    private static String plain(String doc) {
        return doc.replace("`", "").replace("\\|", "|").replace("%", "%%");
    }
}
