package dev.dotgate.policy;

import dev.dotgate.policy.local.LocalRecords;
import dev.dotgate.resolve.Transport;
import java.time.Duration;

/**
 * One immutable snapshot of who may resolve what: the access lists of the listeners, the allowlist, the
 * blocklists and the local records. A reload builds a new snapshot and swaps it in whole; queries already past
 * the policy keep the decision they got.
 *
 * @param allowlist  null: every name may be resolved
 * @param blocklists null: nothing is blocked
 * @param blockTtl   TTL of null-address answers
 * @param local      null: no local records
 * @param edeText    whether a blocked answer's extended error names the list in its EXTRA-TEXT
 */
public record Policy(AccessList plainAcl, AccessList dotAcl, Allowlist allowlist, Blocklists blocklists,
        BlockMode blockMode, Duration blockTtl, LocalRecords local, boolean edeText) {

    public AccessList acl(Transport transport) {
        return transport.encrypted() ? dotAcl : plainAcl;
    }

    public Policy withLocal(LocalRecords records) {
        return new Policy(plainAcl, dotAcl, allowlist, blocklists, blockMode, blockTtl,
                records == null || records.isEmpty() ? null : records, edeText);
    }

    public Policy withBlocklists(Blocklists lists) {
        return new Policy(plainAcl, dotAcl, allowlist, lists, blockMode, blockTtl, local, edeText);
    }
}
