/**
 * The gateway's settings: immutable records ({@link dev.dotgate.config.GatewayConfig} and its sections), loading
 * from TOML and flags, and validation that names the key (or the flag) and the value.
 *
 * <p>Each setting is declared once, by a {@link dev.dotgate.config.Setting} on the record component holding it:
 * key, flag, default, help line and per-value checks. From those declarations come the list of settings
 * ({@link dev.dotgate.config.Settings}), the known keys of the file, the defaults
 * ({@link dev.dotgate.config.ConfigLoader#defaults()}), the command-line options and their usage (the {@code cli}
 * package), the TOML {@code check-config} prints ({@code TomlWriter}), the keys a reload reports, and the README's
 * configuration table (a test keeps it equal). Checks across keys live in the records' constructors.
 *
 * <p>Reading: Jackson's TOML reader builds a tree, the flags are laid over it as values of the same dotted keys,
 * and the tree is bound by declared key. This package imports nothing from policy, cache or tls: it holds plain
 * values (CIDR strings, record lines, a block mode name) and those packages build their objects from them,
 * checking their own entries through {@link dev.dotgate.config.ConfigLoader.Check}.
 */
package dev.dotgate.config;
