/**
 * What every driver's node has in common: its spec, its run directory (on the host's file
 * system, seen at the same path inside the node: directly on netns, bind-mounted on docker)
 * and its addresses. Drivers supply only how programs run inside it.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { ExecOptions, ExecResult } from '../exec.ts';
import type { Family } from '../model.ts';
import { addressOfInterface } from '../topology/dual-stack.ts';
import type { NodeSpec } from '../topology/schema.ts';
import type { NodeHandle } from './driver.ts';

/** Deepest first, so no parent notices a child's death and acts on it; the pid itself stays. */
const KILL_DESCENDANTS = 'kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; kill -KILL "$c" 2>/dev/null; done; }; kill_tree "$1"';

export abstract class NodeBase implements NodeHandle {
  constructor(
    readonly name: string,
    protected readonly spec: NodeSpec,
    readonly workDir: string,
  ) {}

  get kind() {
    return this.spec.kind;
  }

  abstract exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  abstract spawn(argv: readonly string[]): ChildProcess;

  async readFile(path: string): Promise<string> {
    const r = await this.exec(['cat', path]);
    if (r.code !== 0) throw new Error(`cat ${path} in node ${this.name} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async killDescendants(pid: number): Promise<void> {
    await this.exec(['sh', '-c', KILL_DESCENDANTS, 'kill-descendants', String(pid)]);
  }

  async writeFile(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
    await writeFile(path, content, { mode });
  }

  address(segment: string, family?: Family): string {
    const iface = Object.values(this.spec.interfaces).find((i) => i.segment === segment);
    if (!iface) throw new Error(`node ${this.name} has no interface on segment ${segment}`);
    const address = addressOfInterface(iface, family);
    if (!address) throw new Error(`node ${this.name} has no ${family} address on segment ${segment}`);
    return address;
  }
}

/** A topology's nodes by name; an unknown name lists the known ones. */
export class NodeMap<N extends NodeHandle> extends Map<string, N> {
  constructor(private readonly topologyName: string) {
    super();
  }

  lookup(name: string): N {
    const n = this.get(name);
    if (!n) throw new Error(`topology ${this.topologyName} has no node ${name} (nodes: ${[...this.keys()].join(', ')})`);
    return n;
  }
}
