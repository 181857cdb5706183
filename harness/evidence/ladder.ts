/**
 * A ladder diagram of one cell's exchange, drawn from the firewall node's own captures: client
 * on the left, the firewall in the middle, the server on the right. Each packet records on which
 * side of the firewall it was captured, so a packet that entered and never left shows where it
 * died. Plain data: the HTML report draws it, tests read it.
 */

/** Who sent or received a packet. `other`: a third host (a bounce victim). */
export type LadderActor = 'client' | 'firewall' | 'server' | 'other';

export interface LadderPacket {
  /** Milliseconds since the cell's first captured packet. */
  t: number;
  /** `control`, `data 1`, `data 2`... (in order of their SYN), or `other`. */
  connection: string;
  from: LadderActor;
  to: LadderActor;
  /**
   * What a reader needs: `SYN`, `SYN-ACK`, `ACK`, `FIN`, `RST`, an FTP line as sent
   * (`PORT 192,168,10,10,160,21`, `227 Entering Passive Mode (...)`), or `data 1448 bytes`.
   */
  label: string;
  /** `address:port` of sender and receiver as captured on the sender's side (IPv6 bracketed). */
  src: string;
  dst: string;
  /**
   * crossed: captured on both sides. died: captured entering the firewall, never leaving it.
   * from-firewall / to-firewall: the firewall itself sent it (an RST) or was its destination.
   */
  fate: 'crossed' | 'died' | 'from-firewall' | 'to-firewall';
  /** What NAT changed between the two sides (`src 192.168.10.10:40000 -> 203.0.113.254:40000`, or a rewritten PORT line). */
  rewritten?: string;
  /** A connection's SYN or SYN-ACK, or a later packet that died: the rule that decided it at the firewall (harness/evidence/attribution.ts). */
  rule?: string;
}

export interface Ladder {
  /** The firewall node and the interfaces captured toward the client and toward the server. */
  firewall: string;
  clientSide: string;
  serverSide: string;
  packets: LadderPacket[];
  /** Data segments folded into one line each (a reader wants the handshake, not 90 ACKs). */
  folded: number;
  /** Entries left out of the middle of a long ladder (it keeps its beginning and its end). */
  omitted?: number;
}
