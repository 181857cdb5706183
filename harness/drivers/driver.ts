/**
 * The driver role: turn a TopologySpec into running nodes. Implementations are named after
 * their technology (NetnsDriver, DockerDriver) and picked from a registry by name.
 */
import type { ChildProcess } from 'node:child_process';
import type { ExecOptions, ExecResult } from '../exec.ts';
import type { DriverName, Family } from '../model.ts';
import type { NodeKind, TopologySpec } from '../topology/schema.ts';
import type { CleanScope } from '../run-state.ts';

export interface NodeHandle {
  readonly name: string;
  readonly kind: NodeKind;
  /** Runs argv inside the node (its network namespace or container). */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running program inside the node; the topology kills it at teardown. */
  spawn(argv: readonly string[]): ChildProcess;
  /** Reads a file as the node's programs see it (its /proc/net is the node's own). */
  readFile(path: string): Promise<string>;
  /** Kills every descendant of `pid` inside the node, deepest first; `pid` itself stays. */
  killDescendants(pid: number): Promise<void>;
  /** Writes a file the node's programs can read at `path` (same path inside the node). */
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  /** A directory private to this node and this run, for configs, logs and FTP roots. */
  readonly workDir: string;
  /**
   * The node's address on a segment, without prefix length: of `family` when given (it throws
   * when the node has none there), else its IPv4 address if it has one, else its first.
   */
  address(segment: string, family?: Family): string;
}

export interface StartedTopology extends AsyncDisposable {
  readonly spec: TopologySpec;
  readonly driver: DriverName;
  /** Per-run id carried by every resource of this topology (namespaces, containers, dirs). */
  readonly id: string;
  node(name: string): NodeHandle;
  nodes(): NodeHandle[];
}

export interface PreflightProblem {
  what: string;
  fix: string;
}

export interface Driver {
  readonly name: DriverName;
  /** What the host lacks for this driver; empty when it can run. */
  preflight(): Promise<PreflightProblem[]>;
  up(spec: TopologySpec): Promise<StartedTopology>;
  /**
   * Removes resources of runs whose owner process is gone; with `mine`, those this process
   * owns (an interrupted run cleaning up); with `command`, also every run claimed under that
   * pinhole command; with `all`, every pinhole resource (run-state.ts, cleanRemoves).
   */
  clean(opts?: CleanScope): Promise<string[]>;
}
