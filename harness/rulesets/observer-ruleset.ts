/**
 * The drop observer's own nftables table (harness/nodes/drop-observer.ts): it marks packets for
 * tracing, so the kernel reports the verdict each rule set gives them. Installed with every
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
 *
 * What is traced: every packet that opens, closes or resets a connection (SYN, SYN-ACK, FIN,
 * RST), and every packet of an FTP control connection (`controlPorts`, either way): the
 * handshake's ACK, each command's and each reply's segment. Not the data connections' data and
 * ACKs: traced, a 256 KiB transfer gave about 300 trace lines and a 16 MiB one 4000, and the
 * default run took a third longer. A drop of those is what the control experiment finds.
 */
export function observerRuleset(controlPorts: readonly number[]): string {
  const ports = [...new Set(controlPorts)].sort((a, b) => a - b);
  const control = ports.length === 0 ? [] : [`tcp dport { ${ports.join(', ')} } meta nftrace set 1`, `tcp sport { ${ports.join(', ')} } meta nftrace set 1`];
  const traced = ['tcp flags & (syn | fin | rst) != 0 meta nftrace set 1', ...control].map((r) => `    ${r}`).join('\n');
  return `
table inet ${OBSERVER_TABLE} {
  chain trace_tcp {
    type filter hook prerouting priority -1000; policy accept;
${traced}
  }
  chain trace_own_tcp {
    type filter hook output priority -1000; policy accept;
${traced}
    ip daddr ${FENCE_ADDRESS} udp dport ${FENCE_PORTS.min}-${FENCE_PORTS.max} meta nftrace set 1
  }
}
`;
}
