/**
 * The drop observer's own nftables table (harness/nodes/drop-observer.ts): it marks every TCP
 * SYN for tracing, so the kernel reports the verdict each rule set gives it. Installed with every
 * rule set a node is given, and left out of what pinhole reads back as the user's rule set.
 */
export const OBSERVER_TABLE = 'pinhole_observer';

/** Appended after the user's rule set on every apply (a user's `flush ruleset` removes it). */
export const OBSERVER_RULESET = `
table inet ${OBSERVER_TABLE} {
  chain trace_syn {
    type filter hook prerouting priority -1000; policy accept;
    tcp flags & syn == syn meta nftrace set 1
  }
}
`;
