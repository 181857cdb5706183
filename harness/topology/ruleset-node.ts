/**
 * Which node of a topology carries the rule set under test: `--on NODE` when given, else the
 * topology's `rulesetOn`, else its firewall node. A forwarding node filters what crosses it; the
 * ftp-server or ftp-client carries its own host firewall (INPUT and OUTPUT, not FORWARD).
 */
import { InputError } from '../errors.ts';
import { RULESET_KINDS, type TopologySpec } from './schema.ts';

export function rulesetNodeOf(spec: TopologySpec, on?: string): string {
  const name = on ?? spec.rulesetOn ?? Object.keys(spec.nodes).find((n) => spec.nodes[n]!.kind === 'firewall');
  if (name === undefined) throw new InputError(`topology ${spec.name}: no firewall node and no rulesetOn: say which node carries the rule set (--on NODE)`);
  const node = spec.nodes[name];
  if (!node) throw new InputError(`--on ${name}: topology ${spec.name} has no node ${name}; its nodes: ${Object.keys(spec.nodes).join(', ')}`);
  if (!RULESET_KINDS.has(node.kind)) throw new InputError(`--on ${name}: node ${name} is a ${node.kind}; the rule set under test goes on a ${[...RULESET_KINDS].join(', ')} node`);
  return name;
}
