/**
 * The drop observer's own nftables table (harness/nodes/drop-observer.ts): it marks packets for
 * tracing, so the kernel reports the verdict each rule set gives them. Installed with every
 * rule set a node is given, and left out of what pinhole reads back as the user's rule set.
 */
export const OBSERVER_TABLE = 'pinhole_observer';

/** The fence's datagrams (DropObserver.fence): to this loopback address, on a port of this range. */
export const FENCE_ADDRESS = '127.0.0.127';
export const FENCE_PORTS = { min: 61000, max: 61999 };

/** The observer's chain that traces every TCP packet once a job stalls (Lab.traceStalled); empty otherwise. */
export const STALLED_CHAIN = 'trace_stalled';

/**
 * Appended after the user's rule set on every apply (a user's `flush ruleset` removes it).
 * Prerouting sees every packet that arrives; output the packets the node itself sends, which never
 * pass prerouting: a host firewall's own connections (the server's PORT data connection, the
 * client's control connection). The output chain also traces the fence's datagrams
 * (DropObserver.fence), sent on the node's loopback.
 *
 * What is traced: every SYN and SYN-ACK, always; every TCP packet only while a job of the cell
 * has stalled (Lab.traceStalled fills STALLED_CHAIN). A dropped later packet (a handshake's
 * ACK, a command's segment, a FIN, data) is sent again by TCP, and that copy's drop is traced.
 * Traced all the time, the control connection alone gave about 150 trace lines a cell, which
 * cost `nft monitor` 25 ms of CPU a cell against 5 and the default run a fifth more time.
 */
export const OBSERVER_RULESET = `
table inet ${OBSERVER_TABLE} {
  chain ${STALLED_CHAIN} {
  }
  chain trace_tcp {
    type filter hook prerouting priority -1000; policy accept;
    tcp flags & syn == syn meta nftrace set 1 accept
    jump ${STALLED_CHAIN}
  }
  chain trace_own_tcp {
    type filter hook output priority -1000; policy accept;
    tcp flags & syn == syn meta nftrace set 1 accept
    jump ${STALLED_CHAIN}
    ip daddr ${FENCE_ADDRESS} udp dport ${FENCE_PORTS.min}-${FENCE_PORTS.max} meta nftrace set 1
  }
}
`;
