package dev.dotgate.policy.local;

import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import org.xbill.DNS.Name;

/**
 * The prepared answers for one local name: a complete DNS message per question type, built once, into which each
 * query's ID, flags and question are patched. Immutable after construction.
 */
final class LocalName {
    private final IntObjectMap<byte[]> byType;
    private final byte[] otherwise;
    private final Name externalTarget;

    /**
     * @param byType         the answer for each question type that has one (including ANY)
     * @param otherwise      the answer for every other type: NODATA, or the CNAME chain alone
     * @param externalTarget where the CNAME chain leaves the local names, or null when it does not
     */
    LocalName(IntObjectHashMap<byte[]> byType, byte[] otherwise, Name externalTarget) {
        this.byType = byType;
        this.otherwise = otherwise;
        this.externalTarget = externalTarget;
    }

    /** The name outside the local ones that a question of type {@code qtype} must still be asked for, or null. */
    Name externalTarget(int qtype) {
        return externalTarget != null && !byType.containsKey(qtype) ? externalTarget : null;
    }

    /** The prepared answer for a question of type {@code qtype}; its question section has this name's length. */
    byte[] answer(int qtype) {
        byte[] a = byType.get(qtype);
        return a != null ? a : otherwise;
    }
}
