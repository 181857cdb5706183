/**
 * A check file (`pinhole.yaml`): the user's own rule sets, each on a topology and a node, with
 * the dimensions to run, what each cell must do, and the security findings accepted by design.
 * `pinhole check` reads it from the user's repository; paths in it are relative to the file.
 *
 * ```yaml
 * name: edge-firewall
 * checks:
 *   - ruleset: firewall/edge.nft
 *     topology: routed
 *     on: fw
 *     expect: { PORT: blocked, PASV: pass, "EPSV STOR proftpd": blocked }
 *     accept: { pinhole-scope: "passive range opened by design" }
 * ```
 *
 * Checked like a topology: YAML syntax, then the schema, every problem as `FILE:LINE: PATH:
 * MESSAGE`, all at once, before anything starts. Which cells a check runs is decided later,
 * with its topology in hand (harness/check/plan-check.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { CLIENT_NAMES, FAMILIES, FRONTEND_KINDS, FTP_COMMANDS, MODES, SCENARIOS, SERVER_SOFTWARE, TLS_MODES, type RulesetSource, type Scenario } from '../model.ts';
import { readInputText } from '../read-input-file.ts';
import { friendlyMessage, inFileOrder, parseYamlInput, schemaProblems } from '../yaml-input.ts';
import { formatProblem, type Locate, type YamlPath } from '../yaml-path.ts';
import { EXPECTATION_RESULTS, expectationRecord } from './load-expectations.ts';

/** The file `pinhole check` reads when it is given none. */
export const DEFAULT_CHECK_FILE = 'pinhole.yaml';

const TRANSFER_SCENARIOS = ['transfer', 'session', 'concurrent'] as const satisfies readonly Scenario[];
/** The attacks a check runs by default, each expected blocked. */
export const SECURITY_PROBES = ['bounce', 'pinhole-scope', 'helper-scope'] as const satisfies readonly Scenario[];
export type SecurityProbe = (typeof SECURITY_PROBES)[number];
const SECURITY = SECURITY_PROBES;

/**
 * The words an expectation key is made of, each naming one value of one dimension. Families
 * are written as people write them (`IPv6`), or as the JSON report does (`ipv6`).
 */
export const KEY_WORDS: Readonly<Record<string, { dimension: KeyDimension; value: string }>> = Object.fromEntries([
  ...MODES.map((v) => [v, { dimension: 'mode', value: v }]),
  ...FTP_COMMANDS.map((v) => [v, { dimension: 'command', value: v }]),
  ...SERVER_SOFTWARE.map((v) => [v, { dimension: 'server', value: v }]),
  ...CLIENT_NAMES.map((v) => [v, { dimension: 'client', value: v }]),
  ...FAMILIES.flatMap((v) => [
    [v, { dimension: 'family', value: v }],
    [v === 'ipv4' ? 'IPv4' : 'IPv6', { dimension: 'family', value: v }],
  ]),
  ...TLS_MODES.map((v) => [v, { dimension: 'tls', value: v }]),
  ...SCENARIOS.map((v) => [v, { dimension: 'probe', value: v }]),
]);
export type KeyDimension = 'mode' | 'command' | 'server' | 'client' | 'family' | 'tls' | 'probe';

/** An expectation key read into the dimension values it names. */
export type ExpectationKey = Partial<Record<KeyDimension, string>>;

/** `"EPSV  STOR proftpd"` -> `{ mode: 'EPSV', command: 'STOR', server: 'proftpd' }`, or the problem with it. */
export function parseExpectationKey(text: string): ExpectationKey | string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'an empty key names no cell';
  const key: ExpectationKey = {};
  for (const w of words) {
    const known = KEY_WORDS[w];
    if (!known) return `unknown word ${JSON.stringify(w)} in key ${JSON.stringify(text)}; a key is made of modes (${MODES.join(', ')}), commands (${FTP_COMMANDS.join(', ')}), servers (${SERVER_SOFTWARE.join(', ')}), clients (${CLIENT_NAMES.join(', ')}), families (IPv4, IPv6), TLS (${TLS_MODES.join(', ')}) and scenarios (${SCENARIOS.join(', ')})`;
    const other = key[known.dimension];
    if (other !== undefined) return `key ${JSON.stringify(text)} names two values of one dimension (${other} and ${known.value}); a cell has one`;
    key[known.dimension] = known.value;
  }
  return key;
}

/** A list of distinct values from `values`, at least one. */
function listOf<const T extends string>(values: readonly T[], what: string) {
  const one = z.enum(values as [T, ...T[]], { error: (iss) => `unknown ${what} ${JSON.stringify(iss.input)}; ${what}s: ${values.join(', ')}` });
  return z
    .array(one, { error: `expected a list of ${what}s, e.g. [${values.slice(0, 2).join(', ')}]` })
    .refine((l) => new Set(l).size === l.length, { error: `a ${what} is listed twice` });
}

const unknownKeys = (valid: string) => (iss: { code: string }) => (iss.code === 'unrecognized_keys' ? valid : undefined);

/** Keys and values in one pass (load-expectations.ts); `STOR  PASV` and `PASV STOR` name one set of cells. */
const expectSchema = expectationRecord(
  (k) => {
    const key = parseExpectationKey(k);
    return typeof key === 'string' ? { problem: key } : { canonical: JSON.stringify(Object.entries(key).sort()) };
  },
  (first) => `names the same cells as ${JSON.stringify(first)}; give each once`,
)
  .meta({
    description: 'what cells must do: a key names cells by mode, command, server, client, family, TLS and probe words ("PASV", "EPSV STOR proftpd"); the most specific key wins',
    additionalProperties: { enum: [...EXPECTATION_RESULTS] },
  });

const acceptSchema = z
  .record(z.string(), z.unknown())
  .superRefine((rec, ctx) => {
    for (const [k, reason] of Object.entries(rec)) {
      if (!(SECURITY as readonly string[]).includes(k)) ctx.addIssue({ code: 'custom', path: [k], message: `only a security finding can be accepted: ${SECURITY.join(', ')}` });
      if (typeof reason !== 'string' || reason.trim() === '') ctx.addIssue({ code: 'custom', path: [k], message: 'say why it is accepted: a reason, in words' });
    }
  })
  .transform((rec) => rec as Partial<Record<SecurityProbe, string>>)
  .meta({
    description: 'security findings accepted by design, each with the reason: bounce, pinhole-scope, helper-scope',
    propertyNames: { enum: [...SECURITY_PROBES] },
    additionalProperties: { type: 'string', minLength: 1 },
  });

const CheckSchema = z.strictObject(
  {
    ruleset: z
      .union([z.string().min(1), z.tuple([z.string().min(1), z.string().min(1)])], { error: 'ruleset: expected a rule set file, or a list of two: an iptables-save and an ip6tables-save file' })
      .optional()
      .meta({ description: 'the rule set file (nft or iptables-save), relative to this file; or two: an iptables-save and an ip6tables-save file applied together' }),
    frontend: z
      .strictObject(
        {
          kind: z.enum(FRONTEND_KINDS, { error: (iss) => `unknown frontend ${JSON.stringify(iss.input)}; frontends: ${FRONTEND_KINDS.join(', ')}` }).meta({ description: 'the firewall frontend that reads the configuration' }),
          config: z.string({ error: "config is required: what the frontend reads, relative to this file (the /etc/firewalld directory, a directory holding ufw/ and default/ufw, ferm.conf, firehol.conf, the /etc/shorewall directory)" }).min(1).meta({ description: 'what the frontend reads, relative to this file: the /etc/firewalld directory, a directory holding ufw/ and default/ufw, ferm.conf, firehol.conf, or the /etc/shorewall directory' }),
        },
        { error: unknownKeys('valid keys of frontend: kind, config') },
      )
      .optional()
      .meta({ description: 'instead of ruleset: a firewall frontend configuration, rendered by the real frontend (firewalld, ufw, ferm, firehol, shorewall)' }),
    topology: z.string({ error: 'topology is required: a built-in topology name (routed) or a topology file relative to this file' }).min(1).meta({ description: 'a built-in topology name (routed, dnat, ...) or a .topo.yaml file relative to this file' }),
    on: z.string().min(1).optional().meta({ description: "the node that carries the rule set: a firewall or router, or the ftp-server or ftp-client for its own host firewall (default: the topology's rulesetOn, or its firewall)" }),
    servers: listOf(SERVER_SOFTWARE, 'server').optional().meta({ description: "FTP server software, the first one the base of the others (default: the topology's, then the rest)" }),
    clients: listOf(CLIENT_NAMES, 'client').optional().meta({ description: 'clients (default: probe, curl, lftp)' }),
    commands: listOf(FTP_COMMANDS, 'command').optional().meta({ description: 'transfer commands (default: RETR, STOR, LIST)' }),
    families: listOf(FAMILIES, 'family').optional().meta({ description: "address families (default: every family the topology's server has)" }),
    tls: listOf(TLS_MODES, 'TLS mode').optional().meta({ description: 'FTPS variants (default: none, explicit, implicit, ccc; each on a server that offers it)' }),
    scenarios: listOf(TRANSFER_SCENARIOS, 'scenario').optional().meta({ description: 'what the transfer cells do (default: transfer, session, concurrent)' }),
    // The key's first name, still read: a check file written before `scenarios` keeps working.
    probes: listOf(TRANSFER_SCENARIOS, 'scenario').optional().meta({ description: 'the older name of scenarios', deprecated: true }),
    security: listOf(SECURITY, 'attack').optional().meta({ description: 'attack scenarios, each expected blocked (default: bounce, pinhole-scope, helper-scope; [] for none)' }),
    combinations: z
      .enum(['each', 'all'], { error: 'combinations: expected "each" (every value once, beside the first of the others) or "all" (every combination)' })
      .optional()
      .meta({ description: 'each (default): every value of every list, beside the first value of the others; all: every combination' }),
    expect: expectSchema.optional(),
    accept: acceptSchema.optional(),
  },
  { error: unknownKeys('valid keys of a check: ruleset, frontend, topology, on, servers, clients, commands, families, tls, scenarios, security, combinations, expect, accept') },
)
  // Exactly one of the two, for editors too (the refinement below says it to the CLI).
  .meta({ oneOf: [{ required: ['ruleset'] }, { required: ['frontend'] }] })
  .superRefine((c, ctx) => {
  if (c.scenarios !== undefined && c.probes !== undefined) ctx.addIssue({ code: 'custom', path: ['probes'], message: 'give scenarios or probes (its older name), not both' });
  if ((c.ruleset === undefined) === (c.frontend === undefined)) {
    ctx.addIssue({ code: 'custom', path: c.ruleset === undefined ? [] : ['frontend'], message: c.ruleset === undefined ? 'ruleset or frontend is required: the rule set file (nft or iptables-save), or `frontend: { kind, config }`' : 'give ruleset or frontend, not both' });
  }
});

export const CheckFileSchema = z.strictObject(
  {
    $schema: z.string().optional(),
    name: z.string({ error: 'name is required: the suite name in the reports' }).regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'use lower-case letters, digits, ".", "_" and "-", e.g. edge-firewall' }),
    checks: z.array(CheckSchema, { error: 'a list of checks, each with a ruleset and a topology' }).min(1, { error: 'give at least one check' }),
  },
  { error: unknownKeys('valid top-level keys: name, checks') },
);

export type CheckSpec = Omit<z.output<typeof CheckSchema>, 'probes'> & {
  /** Where the rule set under test comes from, its paths made absolute. */
  source: RulesetSource;
  /** The rule set file, or the frontend's configuration (source.file). */
  rulesetFile: string;
  /** The topology as given, made absolute (a built-in topology name is kept). */
  topologyRef: string;
  /** The check's 0-based place in the file, and the line it starts on. */
  index: number;
  line: number;
};

export interface CheckFile {
  file: string;
  name: string;
  checks: CheckSpec[];
  /** The line of any path in the file, for problems found once the topologies are read. */
  locate: Locate;
}

export async function loadCheckFile(file: string): Promise<CheckFile> {
  return parseCheckFile(await readInputText(file, 'check file'), resolve(file));
}

/** The check's rule set source, its paths made absolute. */
function sourceOf(c: z.output<typeof CheckSchema>, dir: string): RulesetSource {
  if (c.frontend) return { file: resolve(dir, c.frontend.config), frontend: c.frontend.kind };
  const [first, ipv6] = typeof c.ruleset === 'string' ? [c.ruleset] : c.ruleset!;
  return { file: resolve(dir, first), ...(ipv6 !== undefined ? { ipv6File: resolve(dir, ipv6) } : {}) };
}

/** A bare name (`routed`) is a built-in topology; anything with a `/` or a `.yaml` is a file. */
const isTopologyName = (ref: string) => !ref.includes('/') && !ref.endsWith('.yaml') && !ref.endsWith('.yml');

export function parseCheckFile(text: string, file: string): CheckFile {
  const { data, locate } = parseYamlInput(text, file, 'a check file');
  if (data === null || data === undefined) {
    throw new InputError(formatProblem(file, 1, [], 'the file has no content; a check file holds `name:` and `checks:` (README, "Check your own firewall")'));
  }
  const parsed = CheckFileSchema.safeParse(data, { error: friendlyMessage });
  if (!parsed.success) throw new InputError(schemaProblems(parsed.error.issues, file, locate));
  const problems: string[] = [];
  const dir = dirname(file);
  const checks = parsed.data.checks.map((c, index): CheckSpec => {
    const at = (key: string): YamlPath => ['checks', index, key];
    const source = sourceOf(c, dir);
    const missing = (path: string, where: YamlPath, what: string) => {
      if (!existsSync(path)) problems.push(formatProblem(file, locate(where), where, `${what} ${path} does not exist`));
    };
    if (c.frontend) missing(source.file, ['checks', index, 'frontend', 'config'], `${c.frontend.kind} configuration`);
    else {
      missing(source.file, typeof c.ruleset === 'string' ? at('ruleset') : ['checks', index, 'ruleset', 0], 'rule set file');
      if (source.ipv6File) missing(source.ipv6File, ['checks', index, 'ruleset', 1], 'rule set file');
    }
    const topologyRef = isTopologyName(c.topology) ? c.topology : resolve(dir, c.topology);
    if (!isTopologyName(c.topology) && !existsSync(topologyRef)) problems.push(formatProblem(file, locate(at('topology')), at('topology'), `topology file ${topologyRef} does not exist`));
    const { probes, ...rest } = c;
    return { ...rest, scenarios: c.scenarios ?? probes, source, rulesetFile: source.file, topologyRef, index, line: locate(['checks', index]) };
  });
  if (problems.length > 0) throw new InputError(inFileOrder(problems, file));
  return { file, name: parsed.data.name, checks, locate };
}
