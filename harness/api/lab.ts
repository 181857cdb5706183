/**
 * `pinhole/lab`: a lab outside Playwright. `await using lab = await startLab({ topology: 'routed' })`
 * brings a topology up with its FTP server, the probe and the capture; `askCell` runs one cell on
 * it through a rule set; leaving the block takes everything down. Runs as root.
 */
import { resolve } from 'node:path';
import { askCell as askCellOnLab, type CellQuestion } from '../cell/ask-cell.ts';
import type { CellResult } from '../cell-contract.ts';
import { driverFor } from '../drivers/registry.ts';
import { loadRulesetSource, rulesetSourceName, type RulesetSource } from '../frontends/ruleset-source.ts';
import { Lab } from '../lab/lab.ts';
import type { DriverName, ServerSoftware } from '../model.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { loadTopology, resolveTopology } from '../topology/load-topology.ts';

export type { Lab } from '../lab/lab.ts';
export type { CellQuestion } from '../cell/ask-cell.ts';

export interface LabOptions {
  /** A built-in topology's name (`routed`, `nat`...) or the path of a `.topo.yaml` file. */
  topology: string;
  /** Where nodes run: network namespaces (default) or Docker containers. */
  driver?: DriverName;
  /** The FTP server software on the server node (default: the topology's own). */
  server?: ServerSoftware;
  /** The node that carries the rule set under test (default: the topology's firewall; `server` for a host firewall). */
  on?: string;
}

/** The topology file an option names: a built-in name, or a path (relative to `base`). */
export function topologyFileOf(topology: string, base: string = process.cwd()): string {
  const builtIn = /^[a-z][a-z0-9-]*$/.test(topology);
  return builtIn ? resolveTopology(topology, TOPOLOGIES_DIR) : resolve(base, topology);
}

/** Brings a lab up; dispose it (`await using`, or `await lab[Symbol.asyncDispose]()`) to take it down. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const driver = driverFor(options.driver ?? 'netns');
  const problems = await driver.preflight();
  if (problems.length > 0) throw new Error(`this host cannot run the ${driver.name} driver: ${problems.map((p) => `${p.what} (${p.fix})`).join('; ')}`);
  return Lab.up(await loadTopology(topologyFileOf(options.topology)), driver, { serverKind: options.server, on: options.on });
}

/** A rule set file (nft or iptables-save), or a frontend's configuration the frontend renders. */
export type RulesetInput = string | RulesetSource;

/**
 * One cell on `lab` through `ruleset`: its result as the JSON report gives it (verdict
 * `observed`: the caller judges). Evidence files are written under `evidenceDir`.
 */
export async function askCell(lab: Lab, question: CellQuestion, ruleset: RulesetInput, evidenceDir: string): Promise<CellResult> {
  const source = typeof ruleset === 'string' ? { file: resolve(ruleset) } : ruleset;
  const investigated = await askCellOnLab(lab, question, await loadRulesetSource(source), { suite: 'lab', ruleset: rulesetSourceName(source), report: resolve(evidenceDir, 'results.json') });
  return investigated.result;
}
