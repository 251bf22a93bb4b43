package dev.dotgate.cache;

/** What {@link AnswerCache#put} did with an answer: stored it, or why not. */
public enum PutResult {
    /** Stored: NOERROR with records in the answer section. */
    POSITIVE,
    /** Stored: NXDOMAIN, or NOERROR without answers (NODATA), with an SOA in the authority section. */
    NEGATIVE,
    /** The cache is disabled. */
    DISABLED,
    /** TC=1: the complete answer was not seen. */
    TRUNCATED,
    SERVFAIL,
    REFUSED,
    FORMERR,
    /** Any other RCODE (NOTIMP, YXDOMAIN ...). */
    OTHER_RCODE,
    /** A negative answer without an SOA: RFC 2308 section 5 says not to cache it. */
    NEGATIVE_WITHOUT_SOA,
    /** The lifetime worked out to zero seconds. */
    ZERO_TTL,
    /** Not a readable DNS response (short, QR=0, an opcode other than QUERY, records running past the end ...). */
    MALFORMED,
    /** The answer's question is not the key's, or it carries an OPT record for a query that had none. */
    QUESTION_MISMATCH;

    /** Whether the answer was stored. */
    public boolean stored() {
        return this == POSITIVE || this == NEGATIVE;
    }
}
