/**
 * The drop observer's own nftables table (harness/nodes/drop-observer.ts): it marks every TCP
 * SYN for tracing, so the kernel reports the verdict each rule set gives it. Installed with every
 * rule set a node is given, and left out of what pinhole reads back as the user's rule set.
 */
export const OBSERVER_TABLE = 'pinhole_observer';

/**
 * Appended after the user's rule set on every apply (a user's `flush ruleset` removes it).
 * Prerouting sees every SYN that arrives; output the SYNs the node itself sends, which never
 * pass prerouting: a host firewall's own connections (the server's PORT data connection, the
 * client's control connection).
 */
export const OBSERVER_RULESET = `
table inet ${OBSERVER_TABLE} {
  chain trace_syn {
    type filter hook prerouting priority -1000; policy accept;
    tcp flags & syn == syn meta nftrace set 1
  }
  chain trace_own_syn {
    type filter hook output priority -1000; policy accept;
    tcp flags & syn == syn meta nftrace set 1
  }
}
`;
