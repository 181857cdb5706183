/**
 * The last check before names become namespace, container and interface names and `ip -batch`
 * words: a spec that did not come through the loader (a test, a future caller) gets the same
 * guarantee as one that did. Loaded topologies always pass; failing here is a harness bug.
 */
import { interfaceNameProblem, NAME_PATTERN, type TopologySpec } from './schema.ts';

export function assertSafeNames(spec: TopologySpec): void {
  const bad: string[] = [];
  const check = (what: string, name: string, pattern: RegExp) => {
    if (!pattern.test(name)) bad.push(`${what} ${JSON.stringify(name)}`);
  };
  check('topology', spec.name, NAME_PATTERN);
  for (const seg of Object.keys(spec.segments)) check('segment', seg, NAME_PATTERN);
  for (const [node, n] of Object.entries(spec.nodes)) {
    check('node', node, NAME_PATTERN);
    for (const ifname of Object.keys(n.interfaces)) {
      const problem = interfaceNameProblem(ifname);
      if (problem) bad.push(`interface of ${node}: ${problem}`);
    }
  }
  if (bad.length > 0) throw new Error(`topology ${JSON.stringify(spec.name)} was not validated: unsafe ${bad.join(', ')}`);
}
