package dev.dotgate.dnssec;

import java.util.concurrent.atomic.LongAdder;

/** What validation concluded, per answer validated (a cache hit is not validated again, so not counted here). */
public final class DnssecCounters {
    /** Signed and proven up to a trust anchor: sent with AD. */
    public final LongAdder secure = new LongAdder();
    /** Provably unsigned (or under a negative trust anchor): sent without AD. */
    public final LongAdder insecure = new LongAdder();
    /** Signatures that do not verify, are missing, expired: SERVFAIL with an Extended DNS Error. */
    public final LongAdder bogus = new LongAdder();
    /** Queries the validator asked itself for the chain (DNSKEY, DS and the like). */
    public final LongAdder chainQueries = new LongAdder();
    /** Signatures accepted only thanks to {@code dnssec.clock_skew}. */
    public final LongAdder skewed = new LongAdder();
}
