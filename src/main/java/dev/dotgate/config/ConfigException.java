package dev.dotgate.config;

/**
 * A user error in the configuration: the message names the key (or the flag that gave the value) and the value,
 * and says what is expected. Unchecked, so that the records of {@link GatewayConfig} can throw it from their
 * constructors (a record's canonical constructor cannot declare a checked exception); every entry point that
 * loads a configuration catches it and exits 2.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    /** "{@code key}: '{@code value}' {@code problem}". */
    public static ConfigException of(String key, Object value, String problem) {
        return new ConfigException(key + ": '" + value + "' " + problem);
    }
}
