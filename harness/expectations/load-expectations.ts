/**
 * An expectation file: what a user's own rule set must do, so `pinhole explore --expect` can
 * judge it the way the built-in suites are judged (compliant / violation / inconclusive, exit 1
 * on a violation). A key is a mode (every command explore runs in it) or a mode and a command;
 * the more specific key wins. Cells the file says nothing about stay `observed`.
 *
 * ```yaml
 * expect:
 *   PORT: pass
 *   PASV: blocked
 *   "PASV STOR": pass
 * ```
 *
 * Checked like a topology: YAML syntax, then the schema, every problem as `FILE:LINE: PATH:
 * MESSAGE`, all at once, before anything starts.
 */
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { FTP_COMMANDS, MODES, type Expectation, type FtpCommand, type Mode } from '../model.ts';
import { readInputText } from '../read-input-file.ts';
import { friendlyMessage, parseYamlInput, schemaProblems } from '../yaml-input.ts';
import { formatProblem } from '../yaml-path.ts';

export const EXPECTATION_RESULTS = ['pass', 'blocked'] as const satisfies readonly Expectation[];

export interface Expectations {
  file: string;
  /** What the file expects of one cell, or null when it says nothing about it. */
  expectedFor(mode: Mode, command: FtpCommand): Expectation | null;
}

const list = (items: readonly string[]) => items.join(', ');

/** `commands`: the commands the caller runs in every mode (explore: RETR and STOR). */
function expectationFileSchema(commands: readonly FtpCommand[]) {
  const key = (text: string): string | undefined => {
    const words = text.trim().split(/\s+/);
    const [mode, command, ...rest] = words;
    if (rest.length > 0 || !mode) return `a key is a mode ("PASV") or a mode and a command ("PASV STOR"), not ${JSON.stringify(text)}`;
    if (!(MODES as readonly string[]).includes(mode)) return `unknown mode ${JSON.stringify(mode)}; modes: ${list(MODES)}`;
    if (command === undefined || (commands as readonly string[]).includes(command)) return undefined;
    if ((FTP_COMMANDS as readonly string[]).includes(command)) return `explore does not run ${command}; it runs ${commands.join(' and ')} in every mode`;
    return `unknown command ${JSON.stringify(command)}; commands: ${list(commands)}`;
  };
  // `PASV  STOR` and `PASV STOR` are two YAML keys but one cell.
  const cells = expectationRecord((k) => {
    const problem = key(k);
    return problem === undefined ? { canonical: k.trim().split(/\s+/).join(' ') } : { problem };
  }, (first) => `names the same cell as ${JSON.stringify(first)}; give each cell once`)
    .refine((rec) => Object.keys(rec).length > 0, { error: `no expectations: give at least one mode (${list(MODES)}), e.g. \`PASV: pass\`` });
  return z.strictObject({ expect: cells }, { error: (iss) => (iss.code === 'unrecognized_keys' ? 'the only key here is expect' : undefined) });
}

/**
 * An `expect:` map, its keys and values checked in one pass (a record's key check would not run
 * once a value failed, so a file with a bad result and a bad key hears of both). `read` gives a
 * key's problem, or the cells it names in a canonical spelling: two keys naming the same cells
 * are refused with `same(firstKey)`. Shared by --expect files and check files.
 */
export function expectationRecord(read: (key: string) => { problem: string } | { canonical: string }, same: (first: string) => string) {
  const result = z.enum(EXPECTATION_RESULTS, { error: (iss) => `expected ${EXPECTATION_RESULTS.map((r) => JSON.stringify(r)).join(' or ')}, got ${JSON.stringify(iss.input)}` });
  return z
    .record(z.string(), z.unknown())
    .superRefine((rec, ctx) => {
      const seen = new Map<string, string>();
      for (const [k, value] of Object.entries(rec)) {
        const checked = result.safeParse(value);
        if (!checked.success) ctx.addIssue({ code: 'custom', path: [k], message: checked.error.issues[0]!.message });
        const named = read(k);
        if ('problem' in named) {
          ctx.addIssue({ code: 'custom', path: [k], message: named.problem });
          continue;
        }
        const first = seen.get(named.canonical);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: same(first) });
        else seen.set(named.canonical, k);
      }
    })
    .transform((rec) => rec as Record<string, Expectation>);
}

export async function loadExpectations(file: string, commands: readonly FtpCommand[]): Promise<Expectations> {
  return parseExpectations(await readInputText(file, 'expectation file'), file, commands);
}

export function parseExpectations(text: string, file: string, commands: readonly FtpCommand[]): Expectations {
  const { data, locate } = parseYamlInput(text, file, 'an expectation file');
  if (data === null || data === undefined) {
    throw new InputError(formatProblem(file, 1, [], `the file has no content; an expectation file holds \`expect:\` and a mode per line, e.g. \`PASV: pass\``));
  }
  const parsed = expectationFileSchema(commands).safeParse(data, { error: friendlyMessage });
  if (!parsed.success) throw new InputError(schemaProblems(parsed.error.issues, file, locate));
  const byCell = new Map<string, Expectation>();
  for (const [k, result] of Object.entries(parsed.data.expect)) byCell.set(k.trim().split(/\s+/).join(' '), result);
  return {
    file,
    expectedFor: (mode, command) => byCell.get(`${mode} ${command}`) ?? byCell.get(mode) ?? null,
  };
}
