package dev.dotgate.policy;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** Queries in wire form for the policy tests, built by dnsjava. */
final class Queries {
    private Queries() {
    }

    /** A query for {@code name} (dot optional) A, as dnsjava writes it. */
    static byte[] query(String name) throws Exception {
        String absolute = name.endsWith(".") ? name : name + ".";
        return Message.newQuery(Record.newRecord(Name.fromString(absolute), Type.A, DClass.IN)).toWire();
    }
}
