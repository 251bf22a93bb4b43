package dev.dotgate.policy.local;

import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

/**
 * The prepared answers for one local name: a complete DNS message per question type, built once, into which each
 * query's ID, flags and question are patched. Immutable after construction.
 */
final class LocalName {
    private final IntObjectMap<byte[]> byType;
    private final byte[] otherwise;

    /**
     * @param byType    the answer for each question type that has one (including ANY)
     * @param otherwise the answer for every other type: NODATA, or the CNAME chain alone
     */
    LocalName(IntObjectHashMap<byte[]> byType, byte[] otherwise) {
        this.byType = byType;
        this.otherwise = otherwise;
    }

    /** The prepared answer for a question of type {@code qtype}; its question section has this name's length. */
    byte[] answer(int qtype) {
        byte[] a = byType.get(qtype);
        return a != null ? a : otherwise;
    }
}
