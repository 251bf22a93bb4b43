package dev.dotgate.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The one declaration of a setting, on the record component that holds its checked value: the key in the config
 * file, the flag that overrides it, the default and a line of help. Everything else is derived from it: reading
 * the file ({@link ConfigLoader}), the command-line options and their help ({@code cli}), what {@code check-config}
 * prints ({@link TomlWriter}) and the README's configuration table (checked by a test). The type is the
 * component's Java type (see {@link Binder} for the types known).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER})
public @interface Setting {
    /** The dotted key, e.g. {@code listen.plain}; for a table of an array of tables ({@code [[forward]]}) its own key. */
    String key();

    /** The command-line flag that overrides it ({@code --listen}), or empty; for a boolean, {@code --no-X} sets false. */
    String flag() default "";

    /** Placeholder of the flag's value in the usage text (derived from the type when empty). */
    String label() default "";

    /**
     * The default as a TOML value ({@code "10s"}, {@code 128}, {@code ["127.0.0.1:53"]}); empty when there is none
     * (the component is null or an empty list) or when it is computed ({@link #shown}).
     */
    String dflt() default "";

    /** How the default reads in the README and the help when it is not the TOML value ({@code dflt}). */
    String shown() default "";

    /** One line of help: what the setting does. */
    String doc();

    /**
     * A fixed value no file or flag sets (not a key of the file, not printed, not in the README): a tuning
     * constant kept with the settings it qualifies, which tests may change.
     */
    boolean internal() default false;

    /** Whether a change takes a restart (SIGHUP reports it and keeps the running value). */
    boolean restart() default false;

    /** Smallest value of a number. */
    long min() default Long.MIN_VALUE;

    /** Largest value of a number. */
    long max() default Long.MAX_VALUE;

    /** What a string or duration must be, beyond its type. */
    Check check() default Check.NONE;

    /** Further rules a value is checked against. */
    enum Check {
        NONE,
        /** A duration longer than zero. */
        POSITIVE,
        /** A TTL: whole seconds, at most a year. */
        TTL,
        /**
         * A readable file (relative paths in a config file resolve against its directory); on a list of strings,
         * each entry.
         */
        FILE,
        /** A directory (relative paths in a config file resolve against its directory). */
        DIR,
        /** Each entry a readable file or an http(s) URL. */
        SOURCES,
        /** {@code off}, {@code stdout} or a file path, whose directory must exist. */
        SINK
    }
}
