package dev.dotgate.dnssec;

import dev.dotgate.config.DnssecOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * dnsjava validators for one set of trust anchors: by our clock, and with the clock moved back by the skew (for a
 * signature just expired) and forward (for one not yet valid), those two null when the skew is zero. Made whole
 * and never changed: new anchors make a new set.
 */
record Validators(ValidatingResolver now, ValidatingResolver earlier, ValidatingResolver later) {

    static Validators of(ChainLookup head, DnssecOptions options, TrustAnchors anchors) {
        Duration skew = options.clockSkew();
        return new Validators(validator(head, Clock.systemUTC(), options, anchors),
                skew.isZero() ? null : validator(head, Clock.offset(Clock.systemUTC(), skew.negated()), options,
                        anchors),
                skew.isZero() ? null : validator(head, Clock.offset(Clock.systemUTC(), skew), options, anchors));
    }

    private static ValidatingResolver validator(ChainLookup head, Clock clock, DnssecOptions options,
            TrustAnchors anchors) {
        ValidatingResolver v = new ValidatingResolver(head, clock);
        Properties p = new Properties();
        // One limit for every key size (the validator's table is by the smallest key's size).
        p.setProperty("dnsjava.dnssec.nsec3.iterations.0", Integer.toString(options.nsec3MaxIterations()));
        // RFC 8624 3.1 and 3.3: RSAMD5, DSA (dnsjava never validates them) and ECC-GOST, GOST R 34.11-94 digests:
        // not validated, their zones treated as unsigned; every MUST and RECOMMENDED algorithm validates.
        p.setProperty("dnsjava.dnssec.algorithm.12", "false");
        p.setProperty("dnsjava.dnssec.digest.3", "false");
        try {
            v.init(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        v.setAddReasonToAdditional(false);
        anchors.loadInto(v);
        return v;
    }
}
