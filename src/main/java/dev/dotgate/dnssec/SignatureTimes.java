package dev.dotgate.dnssec;

import dev.dotgate.wire.ExtendedErrors;
import java.time.Duration;
import java.time.Instant;
import org.xbill.DNS.Message;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Why an answer's signatures fail on time, read from the RRSIG records of its answer and authority sections. The
 * validator reports a DNSKEY set whose signatures expired as plain "bogus" (its reason for the key set is lost on
 * the way), so the stage looks at the answer's own signatures to tell the client "expired" or "not yet valid"
 * (a zone whose signer stopped has all its signatures expired together), and whether they are off by no more than
 * the configured skew.
 *
 * @param code       {@link ExtendedErrors#SIGNATURE_EXPIRED}, {@link ExtendedErrors#SIGNATURE_NOT_YET_VALID}, or
 *                   {@link ExtendedErrors#NONE} when every signature is within its validity period
 * @param withinSkew whether every signature off our clock is off by at most the skew
 */
record SignatureTimes(int code, boolean withinSkew) {

    /** The signatures of {@code m} against {@code now}, with {@code skew}. */
    static SignatureTimes of(Message m, Instant now, Duration skew) {
        int code = ExtendedErrors.NONE;
        boolean within = true;
        for (int section = Section.ANSWER; section <= Section.AUTHORITY; section++) {
            for (Record r : m.getSection(section)) {
                if (!(r instanceof RRSIGRecord)) {
                    continue;
                }
                RRSIGRecord sig = (RRSIGRecord) r;
                if (now.isAfter(sig.getExpire())) {
                    code = ExtendedErrors.SIGNATURE_EXPIRED;
                    within &= !now.minus(skew).isAfter(sig.getExpire());
                } else if (now.isBefore(sig.getTimeSigned())) {
                    code = code == ExtendedErrors.NONE ? ExtendedErrors.SIGNATURE_NOT_YET_VALID : code;
                    within &= !now.plus(skew).isBefore(sig.getTimeSigned());
                }
            }
        }
        return new SignatureTimes(code, code != ExtendedErrors.NONE && within);
    }
}
