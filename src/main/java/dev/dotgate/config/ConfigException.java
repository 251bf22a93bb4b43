package dev.dotgate.config;

/** A user error in the configuration: the message names the key and the value, and says what is expected. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    /** "{@code key}: '{@code value}' {@code problem}". */
    public static ConfigException of(String key, Object value, String problem) {
        return new ConfigException(key + ": '" + value + "' " + problem);
    }
}
