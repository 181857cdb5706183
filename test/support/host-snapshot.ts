/**
 * The host's own network namespace as text, normalised so two snapshots are equal exactly when
 * nothing lasting changed: rule sets (nft and iptables-save, counters zeroed), links, addresses,
 * routes and policy rules of both families, the forwarding and bridge-netfilter sysctls, and the
 * pinhole namespaces under /run/netns. "pinhole never touches the host" (README, "Privileges")
 * is checked by taking one before and one after a full run and requiring them equal.
 *
 * The machine may be shared: another pinhole run (another worktree, another CI job) can be live
 * while a snapshot is taken, with its namespaces and, on Docker, its bridges, veths and Docker's
 * iptables rules for them. Whatever belongs to a run whose owner process is alive at snapshot
 * time is left out: the run under test is not live before it starts nor after it ends, so
 * everything it left behind still shows.
 */
import { readFile, readdir } from 'node:fs/promises';
import Docker from 'dockerode';
import { run } from '../../harness/exec.ts';
import { RUN_LABEL } from '../../harness/drivers/docker/docker-names.ts';
import { runIdOfNamespace } from '../../harness/drivers/netns/netns-names.ts';
import { runOwnerAlive } from '../../harness/run-state.ts';

/** One section per source, in a fixed order; each a normalised text. */
export type HostSnapshot = Record<string, string>;

/** Sysctls that decide whether the host routes or filters bridged traffic. Absent ones say so. */
export const HOST_SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/ipv6/conf/all/forwarding',
  'net/ipv6/conf/default/forwarding',
  'net/bridge/bridge-nf-call-iptables',
  'net/bridge/bridge-nf-call-ip6tables',
  'net/netfilter/nf_conntrack_helper',
];

/** Packet and byte counters move with any traffic on the host: zeroed. */
export function normaliseNft(text: string): string {
  return text.replace(/packets \d+ bytes \d+/g, 'packets 0 bytes 0').replace(/ expires \S+/g, '');
}

/** iptables-save: the dated "Generated"/"Completed" comments dropped, chain counters zeroed. */
export function normaliseIptablesSave(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .join('\n');
}

/** `ip -d link` / `ip addr` / routes: bridge timers, address lifetimes and route expiry tick on their own. */
export function normaliseIp(text: string): string {
  return text
    .replace(/\b(hello_timer|tcn_timer|topology_change_timer|gc_timer)\s+[\d.]+/g, '$1')
    .replace(/\b(valid_lft|preferred_lft) \d+sec/g, '$1 N')
    .replace(/ expires \d+sec/g, '');
}

/**
 * `ip link` and `ip addr` print one block per interface: a line `N: name...` and indented
 * continuation lines. A block mentioning an excluded interface (its own name or `master <it>`)
 * is dropped whole; other sources are one item per line.
 */
export function withoutNames(text: string, names: ReadonlySet<string>, blocks: boolean): string {
  if (names.size === 0) return text;
  const mentions = (s: string) => s.split(/[\s@:"]+/).some((w) => names.has(w));
  if (!blocks) return text.split('\n').filter((l) => !mentions(l)).join('\n');
  const out: string[] = [];
  let block: string[] = [];
  const flush = () => {
    if (!mentions(block.join(' '))) out.push(...block);
    block = [];
  };
  for (const line of text.split('\n')) {
    if (/^\d+: /.test(line)) flush();
    block.push(line);
  }
  flush();
  return out.join('\n');
}

/** Bridges of Docker networks that live pinhole runs own; none when no Docker engine answers. */
async function liveDockerBridges(): Promise<string[]> {
  try {
    const networks = await new Docker().listNetworks({ filters: JSON.stringify({ label: [RUN_LABEL] }) });
    const bridges: string[] = [];
    for (const n of networks) {
      const id = n.Labels?.[RUN_LABEL];
      // Docker names a network's bridge br-<first 12 hex digits of its id>.
      if (id && (await runOwnerAlive(id))) bridges.push(n.Options?.['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`);
    }
    return bridges;
  } catch {
    return [];
  }
}

async function output(argv: string[]): Promise<string> {
  const r = await run(argv).catch((err: Error) => ({ code: 127, stdout: '', stderr: err.message }));
  return r.code === 0 ? r.stdout : `(${argv.join(' ')} failed: ${r.stderr.trim()})`;
}

async function sysctls(): Promise<string> {
  const lines = await Promise.all(
    HOST_SYSCTLS.map(async (key) => `${key.replace(/\//g, '.')} = ${(await readFile(`/proc/sys/${key}`, 'utf8').catch(() => 'absent')).trim()}`),
  );
  return lines.join('\n');
}

async function pinholeNamespaces(): Promise<string[]> {
  const names = await readdir('/run/netns').catch(() => [] as string[]);
  return names.filter((n) => n.startsWith('pinhole-')).sort();
}

/** Takes a snapshot of the host's network namespace, leaving out live pinhole runs' resources. */
export async function hostSnapshot(): Promise<HostSnapshot> {
  // Before and after the dumps: a run that started or ended in between is excluded either way.
  const liveBefore = await liveDockerBridges();
  const raw = {
    'nft list ruleset': normaliseNft(await output(['nft', 'list', 'ruleset'])),
    'iptables-save': normaliseIptablesSave(await output(['iptables-save'])),
    'ip6tables-save': normaliseIptablesSave(await output(['ip6tables-save'])),
    'ip -d link show': normaliseIp(await output(['ip', '-d', 'link', 'show'])),
    'ip addr show': normaliseIp(await output(['ip', 'addr', 'show'])),
    'ip route show table all': normaliseIp(await output(['ip', 'route', 'show', 'table', 'all'])),
    'ip -6 route show table all': normaliseIp(await output(['ip', '-6', 'route', 'show', 'table', 'all'])),
    'ip rule': await output(['ip', 'rule', 'show']),
    'ip -6 rule': await output(['ip', '-6', 'rule', 'show']),
    sysctls: await sysctls(),
  };
  const namespaces = await pinholeNamespaces();
  const excluded = new Set([...liveBefore, ...(await liveDockerBridges())]);
  const snapshot: HostSnapshot = {};
  for (const [name, text] of Object.entries(raw)) snapshot[name] = withoutNames(text, excluded, name === 'ip -d link show' || name === 'ip addr show');
  const live = await Promise.all(namespaces.map(async (ns) => ({ ns, live: await runOwnerAlive(runIdOfNamespace(ns) ?? '') })));
  snapshot['pinhole namespaces'] = live.filter((n) => !n.live).map((n) => n.ns).join('\n');
  return snapshot;
}

/**
 * What changed, section by section: lines only before (`-`) and only after (`+`), compared as
 * multisets so a reordered dump is no change. Empty when the snapshots are equal.
 */
export function diffSnapshots(before: HostSnapshot, after: HostSnapshot): string {
  const out: string[] = [];
  for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = (before[section] ?? '').split('\n').filter((l) => l.trim());
    const b = (after[section] ?? '').split('\n').filter((l) => l.trim());
    const gone = minus(a, b);
    const added = minus(b, a);
    if (gone.length + added.length === 0) continue;
    out.push(`--- ${section}`, ...gone.map((l) => `- ${l}`), ...added.map((l) => `+ ${l}`));
  }
  return out.join('\n');
}

function minus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const l of b) left.set(l, (left.get(l) ?? 0) + 1);
  return a.filter((l) => {
    const n = left.get(l) ?? 0;
    if (n > 0) left.set(l, n - 1);
    return n === 0;
  });
}

/**
 * The difference between `before` and the host now, once it has settled: another run on the
 * machine may be half way through creating something (Docker makes a container's veth pair in
 * the host's namespace before moving one end into the container). A residue lasts; a resource
 * being created moves on within a second. Looked at again a few times, and the last look counts.
 */
export async function diffAfterSettling(before: HostSnapshot, { attempts = 5, intervalMs = 2000 } = {}): Promise<string> {
  let diff = diffSnapshots(before, await hostSnapshot());
  for (let i = 1; i < attempts && diff !== ''; i++) {
    await new Promise((r) => setTimeout(r, intervalMs));
    diff = diffSnapshots(before, await hostSnapshot());
  }
  return diff;
}

/** A snapshot with nothing half made in it: two looks in a row agree (see diffAfterSettling). */
export async function settledHostSnapshot({ attempts = 5, intervalMs = 2000 } = {}): Promise<HostSnapshot> {
  let last = await hostSnapshot();
  for (let i = 1; i < attempts; i++) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const now = await hostSnapshot();
    if (diffSnapshots(last, now) === '') return now;
    last = now;
  }
  return last;
}
