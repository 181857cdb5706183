/**
 * One probe job run on a lab, and the drops that were its own: the evidence every scenario's
 * verdict rests on. A drop ends the job at once, so a blocked cell costs milliseconds.
 */
import type { Lab } from '../lab/lab.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import { isActiveMode, type Mode } from '../model.ts';
import type { DropEvent, PacketSummary } from '../nodes/drop-observer.ts';
import type { Endpoint, FtpClient } from '../probes/ftp-client.ts';
import type { ProbeJob, ProbeReport } from '../probes/probe-protocol.ts';
import { addressesOf } from '../topology/dual-stack.ts';
import type { Evidence } from './classify.ts';
import { ownRole, type OwnDrop } from './own-drops.ts';

/**
 * A job is taken for stalled (Lab.traceStalled) once it has run this long and nothing has crossed
 * the firewall for STALL_QUIET_MS. A passing cell's client takes 10 to 60 ms on a loaded two-core
 * machine; a longer transfer (16 MiB, a 100 MiB benchmark) keeps packets flowing and is never
 * taken for stalled. A dropped later packet is sent again by TCP 200 ms (a segment's first
 * retransmission) to 1 s (a SYN-ACK's, and the handshake's ACK with it) after the drop: by then
 * every packet is traced.
 */
const STALL_MS = 150;
const STALL_QUIET_MS = 100;
const STALL_POLL_MS = 25;

export interface Attempt {
  report: ProbeReport;
  /** The job's own drops, each with its connection and side, and its rule as the file says it. */
  drops: OwnDrop[];
}

/**
 * Runs one probe job and returns its report with the drops that were its own, also kept in the
 * cell's window. `alsoOwn` widens "own" for security probes (a packet aimed at a third host).
 */
export async function attempt(
  lab: Lab,
  window: CellWindow,
  job: Omit<ProbeJob, 'id'>,
  client?: FtpClient,
  alsoOwn: (d: DropEvent) => boolean = () => false,
): Promise<Attempt> {
  const runner = client ?? (await lab.clientFor('probe'));
  // Drops and the endpoint may arrive in any order, so every drop is kept and re-judged when the
  // endpoint arrives (own-drops.ts says which are the job's own).
  const endpoints: Endpoint[] = [];
  window.jobs.push({ host: job.host, port: job.port, endpoints, active: isActiveMode(job.mode) });
  // The SYNs traced since the cell began: a later packet is the cell's own only if its connection's SYN is.
  const ownDrops = (): OwnDrop[] => {
    const synsSeen = lab.observers.flatMap((o) => o.packetsSeen());
    return lab.observers.flatMap((o) => o.drops()).flatMap((d) => {
      const role = ownRole(d, job, endpoints, alsoOwn, synsSeen);
      return role ? [{ ...d, role }] : [];
    });
  };
  let decide: (d: DropEvent) => void = () => undefined;
  const decided = new Promise<DropEvent>((resolve) => (decide = resolve));
  const judgeDrops = () => ownDrops().forEach(decide);
  const unsubscribe = lab.observers.map((o) => o.onDrop(judgeDrops));
  const { id, report } = runner.run(job, (e) => {
    endpoints.push(e);
    judgeDrops();
  });
  // Only SYNs are traced until a job stalls; then every packet, so the copy TCP sends again of
  // a dropped later packet (a handshake's ACK, a command, a FIN, data) is traced, and decides.
  const started = performance.now();
  const stalled = setInterval(() => {
    if (performance.now() - started < STALL_MS || !lab.capture.quietFor(STALL_QUIET_MS)) return;
    clearInterval(stalled);
    lab.traceStalled().catch(() => undefined);
  }, STALL_POLL_MS);

  // The first own drop ends the probe at once: the decision rests on that evidence.
  const first = await Promise.race([report, decided]).finally(() => {
    clearInterval(stalled);
    for (const u of unsubscribe) u();
  });
  if (!('phases' in first)) runner.abort(id);
  const probeReport = await report;
  // Concurrent sessions share the flag: any unfinished one must be ended before the next cell.
  if (probeReport.failure !== null) lab.noteUnfinishedSession();
  if (probeReport.failure !== null && !window.failed) window.failed = { job, report: probeReport };
  // A reject reaches the client in microseconds, before its trace line has come through nft's
  // pipe: a failure with no own drop yet reads every line the kernel queued before it.
  if (probeReport.failure !== null && ownDrops().length === 0) await Promise.all(lab.observers.map((o) => o.fence()));
  const drops = await Promise.all(ownDrops().map(async (d) => ({ ...d, hit: await lab.nameVerdict(d.node, d.verdict, window) })));
  window.drops.push(...drops);
  return { report: probeReport, drops };
}

/**
 * A refused data connection whose SYN was aimed at a router's own address: the router neither
 * forwarded it (no port forward, no expectation) nor had anything listening, and answered RST
 * itself. Evidence that the path refused it, not the server. Two ways to get there: the client
 * dials an address nobody forwards, or (active modes, reply 425) the server dials the control
 * connection's peer instead of a foreign announced address, as proftpd does, and behind
 * masquerade that peer is the router.
 */
export function routerRefusal(lab: Lab, { report, drops }: Attempt, mode: Mode): Evidence['refusedByRouter'] {
  const f = report.failure;
  const announced = report.dataEndpoint;
  // A drop of the job's own decides first (classify.ts); only a failure without one is looked into.
  if (!f || !announced || f.phase === 'control-connect' || drops.length > 0) return undefined;
  if (f.kind === 'refused') return synToRouterOwnAddress(lab, (p) => p.daddr === announced.host && p.dport === announced.port);
  if (f.kind === 'reply' && f.replyCode === 425 && isActiveMode(mode)) {
    const seen = synToRouterOwnAddress(lab, (p) => p.dport === announced.port && p.daddr !== announced.host);
    return seen && { ...seen, announced };
  }
  return undefined;
}

/**
 * A router's trace of a SYN to one of its own addresses, matching `matches`. The kernel traced
 * the SYN before it answered RST, and a failed job with no drop of its own has read the trace
 * up to its failure (the fence in attempt()): what is not there now was never traced.
 */
function synToRouterOwnAddress(lab: Lab, matches: (p: PacketSummary) => boolean): { node: string; host: string; port: number } | undefined {
  const ownAddresses = (node: string) => addressesOf(lab.topology.spec.nodes[node]!);
  for (const o of lab.observers) {
    const p = o.packetsSeen().find((p) => matches(p) && ownAddresses(o.node.name).includes(p.daddr));
    if (p) return { node: o.node.name, host: p.daddr, port: p.dport };
  }
  return undefined;
}
