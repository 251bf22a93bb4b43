package dev.dotgate.it;

import java.util.List;

/**
 * A query against {@link SignedZones}, with the verdict a validator trusting only the fixture's root key must
 * reach: {@code name} (absolute, with its trailing dot) and {@code type} (a mnemonic such as {@code A}, as dig and
 * delv take it), and {@code answer}, what the authoritative data says before any validation (a bogus answer is
 * still {@link Answer#DATA}: a validating resolver turns it into SERVFAIL).
 */
public record TestName(String name, String type, Verdict expected, Answer answer) {
    /** The unvalidated answer's kind. */
    public enum Answer {
        /** NOERROR with the record set asked for. */
        DATA,
        /** NOERROR, no record of that type (proven by NSEC or NSEC3 where the zone is signed). */
        NODATA,
        /** The name does not exist (proven by NSEC or NSEC3 where the zone is signed). */
        NXDOMAIN
    }

    /**
     * The names whose verdict does not depend on the validator's tolerance of clock skew, one per case the zones
     * cover; {@code SignedZonesTest} checks each one with delv.
     */
    public static final List<TestName> ALL = List.of(
            new TestName("www.secure.", "A", Verdict.SECURE, Answer.DATA),
            new TestName("txt.secure.", "TXT", Verdict.SECURE, Answer.DATA),
            new TestName("nx.secure.", "A", Verdict.SECURE, Answer.NXDOMAIN),
            new TestName("www.secure.", "AAAA", Verdict.SECURE, Answer.NODATA),
            new TestName("www.nsec3.", "A", Verdict.SECURE, Answer.DATA),
            new TestName("nx.nsec3.", "A", Verdict.SECURE, Answer.NXDOMAIN),
            new TestName("www.nsec3.", "AAAA", Verdict.SECURE, Answer.NODATA),
            new TestName("www.bogus.", "A", Verdict.BOGUS, Answer.DATA),
            new TestName("www.expired.", "A", Verdict.BOGUS, Answer.DATA),
            new TestName("www.future.", "A", Verdict.BOGUS, Answer.DATA),
            new TestName("www.unsigned.", "A", Verdict.INSECURE, Answer.DATA),
            new TestName("nx.unsigned.", "A", Verdict.INSECURE, Answer.NXDOMAIN),
            new TestName("www.iter.", "A", Verdict.SECURE, Answer.DATA),
            new TestName("nx.iter.", "A", Verdict.SECURE, Answer.NXDOMAIN),
            new TestName("www.gost.", "A", Verdict.INSECURE, Answer.DATA));

    /**
     * A name in {@code nearfuture.}, whose signatures become valid {@link SignedZones#NEARFUTURE_LEAD} after the
     * fixture signed it: {@link Verdict#BOGUS} for a validator that allows no clock skew (delv, see
     * {@code SignedZonesTest}), {@link Verdict#SECURE} for one that tolerates more skew than that lead. Not in
     * {@link #ALL}, whose verdicts do not depend on that tolerance.
     */
    public static final TestName NEARFUTURE = new TestName("www.nearfuture.", "A", Verdict.BOGUS, Answer.DATA);

    @Override
    public String toString() {
        return name + " " + type;
    }
}
