/**
 * The drop observer's own nftables table (harness/nodes/drop-observer.ts): it marks every TCP
 * packet for tracing, so the kernel reports the verdict each rule set gives it: a SYN's, and a
 * handshake's ACK, a command's segment, a FIN's alike. Bulk data costs little: on veth a
 * segment is up to 64 KiB (GSO), one trace for all of it. Installed with every
 * rule set a node is given, and left out of what pinhole reads back as the user's rule set.
 */
export const OBSERVER_TABLE = 'pinhole_observer';

/** The fence's datagrams (DropObserver.fence): to this loopback address, on a port of this range. */
export const FENCE_ADDRESS = '127.0.0.127';
export const FENCE_PORTS = { min: 61000, max: 61999 };

/**
 * Appended after the user's rule set on every apply (a user's `flush ruleset` removes it).
 * Prerouting sees every packet that arrives; output the packets the node itself sends, which never
 * pass prerouting: a host firewall's own connections (the server's PORT data connection, the
 * client's control connection). The output chain also traces the fence's datagrams
 * (DropObserver.fence), sent on the node's loopback.
 */
export const OBSERVER_RULESET = `
table inet ${OBSERVER_TABLE} {
  chain trace_tcp {
    type filter hook prerouting priority -1000; policy accept;
    meta l4proto tcp meta nftrace set 1
  }
  chain trace_own_tcp {
    type filter hook output priority -1000; policy accept;
    meta l4proto tcp meta nftrace set 1
    ip daddr ${FENCE_ADDRESS} udp dport ${FENCE_PORTS.min}-${FENCE_PORTS.max} meta nftrace set 1
  }
}
`;
