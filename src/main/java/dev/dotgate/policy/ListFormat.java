package dev.dotgate.policy;

/** The line formats a list may mix; {@link ListParser} recognises each line on its own. */
public enum ListFormat {
    /** {@code 0.0.0.0 name [name...] [# comment]}: any IPv4/IPv6 address, then names. */
    HOSTS,
    /** One name per line, optionally {@code *.name} (names below only). */
    DOMAINS,
    /** {@code ||name^}, optionally with {@code $important}-style options; {@code @@||name^} is an exception. */
    ADBLOCK
}
