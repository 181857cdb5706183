/**
 * Reads a `*.topo.yaml` file into a TopologySpec, or fails with one InputError that lists every
 * problem as `FILE:LINE: PATH: MESSAGE`: first YAML syntax, then the schema, then the
 * cross-checks. Nothing is started before a topology has passed all three.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { readInputText } from '../read-input-file.ts';
import { friendlyMessage, inFileOrder, parseYamlInput, schemaProblems } from '../yaml-input.ts';
import { formatProblem, type YamlPath } from '../yaml-path.ts';
import { checkTopology } from './check-topology.ts';
import { TopologySchema, type TopologySpec } from './schema.ts';

const TOPOLOGY_SUFFIX = '.topo.yaml';

export async function loadTopology(file: string): Promise<TopologySpec> {
  return parseTopology(await readInputText(file, 'topology'), file);
}

export function parseTopology(text: string, file: string): TopologySpec {
  const { data, locate } = parseYamlInput(text, file, 'a topology file');
  if (data === null || data === undefined) {
    throw new InputError(formatProblem(file, 1, [], 'the file has no content; a topology needs name, segments and nodes'));
  }
  const parsed = TopologySchema.safeParse(data, { error: friendlyMessage });
  if (!parsed.success) throw new InputError(schemaProblems(parsed.error.issues, file, locate));
  const problems = checkTopology(parsed.data, file, locate);
  // Fixed rule sets are named relative to the topology file; from here on they are absolute.
  for (const [name, node] of Object.entries(parsed.data.nodes)) {
    if (!node.ruleset) continue;
    node.ruleset = path.resolve(path.dirname(file), node.ruleset);
    if (!existsSync(node.ruleset)) {
      const at: YamlPath = ['nodes', name, 'ruleset'];
      problems.push(formatProblem(file, locate(at), at, `rule set file ${node.ruleset} does not exist`));
    }
  }
  if (problems.length > 0) throw new InputError(inFileOrder(problems, file));
  return parsed.data;
}

/**
 * Maps `routed` to `<topologiesDir>/routed.topo.yaml`; anything that is not a bare name is a
 * path and returned as given. An unknown bare name lists the topologies that do exist.
 */
export function resolveTopology(nameOrFile: string, topologiesDir: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(nameOrFile)) return nameOrFile;
  const file = path.join(topologiesDir, `${nameOrFile}${TOPOLOGY_SUFFIX}`);
  if (existsSync(file)) return file;
  throw new InputError(
    `unknown topology ${JSON.stringify(nameOrFile)} (no ${file}); available topologies: ` +
      `${availableTopologies(topologiesDir).join(', ') || '(none)'}; or give the path of a ${TOPOLOGY_SUFFIX} file`,
  );
}

function availableTopologies(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(TOPOLOGY_SUFFIX))
      .map((f) => f.slice(0, -TOPOLOGY_SUFFIX.length))
      .sort();
  } catch {
    return [];
  }
}

