/**
 * A cell's exchange as the firewall captured it: its ladder diagram, and for evidence the
 * capture files. Read from the capture and the cell's window, before anything else runs on the
 * lab: the next cell starts a new capture window.
 */
import { buildLadder, type LadderInput } from '../evidence/build-ladder.ts';
import type { Ladder } from '../evidence/ladder.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import { tcpFlagBits, type PacketSummary } from '../nodes/drop-observer.ts';
import type { PacketCapture } from '../nodes/packet-capture.ts';
import { decodeTcp } from '../nodes/pcap.ts';

/** Who is who in the capture: everything a ladder needs besides the records. */
export type LadderScene = Omit<LadderInput, 'records' | 'maxEntries'>;

/**
 * `settle` waits for the capture to go quiet first (about 30 ms), so a failing cell's last
 * packets (the dropped SYN, an RST) are in; a passing cell's ladder may lack the session's
 * closing packets, which decide nothing. `pcaps`: also the capture files, for evidence.
 */
export async function cellPackets(
  capture: PacketCapture,
  window: CellWindow,
  scene: LadderScene,
  opts: { settle: boolean; pcaps: boolean },
): Promise<{ ladder: Ladder; pcaps: Record<string, Buffer> }> {
  // What a blocked cell's ladder needs is its dropped packet: when the firewall traced the drop,
  // the wait ends once tcpdump's pipe has delivered that packet, instead of after 30 ms of quiet
  // (most of a blocked cell's time after its probe). Evidence files wait for quiet all the same.
  const dropped = opts.pcaps ? [] : window.drops.filter((d) => d.node === scene.firewall);
  if (opts.settle && dropped.length > 0) await capture.settle({ until: () => dropped.every((d) => captured(capture, d.packet)) });
  else if (opts.settle || opts.pcaps) await capture.settle();
  // The control port the client dialled: the server's, implicit FTPS's, or a slipstream probe's web port.
  const ports = new Set([...scene.controlPorts, ...(window.failed ? [window.failed.job.port] : [])]);
  const ladder = buildLadder({ ...scene, records: capture.records(), controlPorts: [...ports] });
  return { ladder, pcaps: opts.pcaps ? Object.fromEntries(capture.interfaces.map((i) => [i, capture.pcapOf(i)])) : {} };
}

/** Whether the capture holds the packet `p` (as it arrived, before any NAT): its ports, addresses and flags. */
function captured(capture: PacketCapture, p: PacketSummary): boolean {
  const flags = tcpFlagBits(p.flags);
  for (const records of capture.records().values()) {
    for (const r of records) {
      const seg = decodeTcp(r);
      if (seg && seg.flags === flags && seg.sport === p.sport && seg.dport === p.dport && seg.src === p.saddr && seg.dst === p.daddr) return true;
    }
  }
  return false;
}
