/**
 * The YAML side of every data file pinhole reads (topologies, expectation files): syntax first,
 * then the zod schema, every problem as `FILE:LINE: PATH: MESSAGE` with the line of the key a
 * reader looks for. Shared so both kinds of file complain in the same words.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.ts';
import { formatProblem, type Locate, type YamlPath } from './yaml-path.ts';

/**
 * The document's plain data and a way to find the line of any path in it; throws every YAML
 * syntax problem (`FILE:LINE:COL: yaml: ...`) at once. `kind` names the kind of file in the
 * messages that need it ("a topology file holds one YAML document").
 */
export function parseYamlInput(text: string, file: string, kind: 'a topology file' | 'an expectation file' | 'a check file'): { data: unknown; locate: Locate } {
  const lines = new LineCounter();
  // Not pretty errors: they append a source excerpt; we print FILE:LINE:COL ourselves.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // Warnings too (an unresolved `!tag`, an unknown directive): in a data file they are mistakes.
  const yamlProblems = [...doc.errors, ...doc.warnings].map((e) => {
    const { line, col } = lines.linePos(e.pos[0]);
    // yaml's own wording for this one addresses programmers ("use parseAllDocuments").
    const message =
      e.code === 'MULTIPLE_DOCS'
        ? `${kind} holds one YAML document; remove the second \`---\` and what follows`
        : e.code === 'DUPLICATE_KEY'
          ? `${e.message}; ${keyAt(text, e.pos[0])} is given twice`
          : e.message;
    return `${file}:${line}:${col}: yaml: ${message}`;
  });
  // A document with syntax errors is partly guessed; schema messages about it would mislead.
  if (yamlProblems.length > 0) throw new InputError(yamlProblems);

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // yaml refuses documents that expand aliases exponentially ("billion laughs").
    throw new InputError(`${file}:1:1: yaml: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { data, locate: locatorFor(doc, lines) };
}

/** The key written at `offset` (yaml points at its first character only). */
function keyAt(text: string, offset: number): string {
  const m = /^("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^:\n]*?)(?=\s*:(?:\s|$))/.exec(text.slice(offset));
  return m ? JSON.stringify(m[1]!.replace(/^["']|["']$/g, '')) : 'a key';
}

/** Every zod issue as `FILE:LINE: PATH: MESSAGE`, top to bottom. */
export function schemaProblems(issues: readonly Issue[], file: string, locate: Locate): string[] {
  const problems: string[] = [];
  for (const issue of issues) describeIssue(issue, (p, message) => problems.push(formatProblem(file, locate(p), p, message)));
  return inFileOrder(problems, file);
}

/** Top to bottom by line (stable: same-line problems keep the order they were found in). */
export function inFileOrder(problems: string[], file: string): string[] {
  // Each problem is `FILE:LINE: ...`; FILE is known, so the line is read right after it.
  const lineOf = (problem: string) => Number(/^(\d+):/.exec(problem.slice(file.length + 1))?.[1] ?? 0);
  return [...problems].sort((a, b) => lineOf(a) - lineOf(b));
}

/**
 * The line of the entry at `path`: its key's line for map entries, because a block value
 * (`client:` followed by indented lines) starts a line below where a reader looks for it.
 * Stops at the nearest existing parent when the path goes further than the document, as it
 * does for missing keys.
 */
export function locatorFor(doc: Document.Parsed, lines: LineCounter): Locate {
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : lines.linePos(offset).line);
  return (p) => {
    let node: unknown = doc.contents;
    let line = lineAt(doc.contents?.range[0]);
    for (const key of p) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
        if (!pair) break;
        const keyNode = pair.key as { range?: [number, number, number] };
        line = lineAt(keyNode.range?.[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        if (!node) break;
        line = lineAt((node as { range?: [number, number, number] }).range?.[0]);
      } else {
        break;
      }
    }
    return line;
  };
}

type Issue = z.core.$ZodIssue;

/** Splits zod issues into one problem per offending key, with the path pointing at that key. */
function describeIssue(issue: Issue, add: (path: YamlPath, message: string) => void): void {
  const at = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
  switch (issue.code) {
    case 'unrecognized_keys':
      for (const key of issue.keys) add([...at, key], `unknown key ${JSON.stringify(key)}; ${issue.message}`);
      return;
    case 'invalid_key':
      add(at, issue.issues.map((i) => i.message).join('; '));
      return;
    default:
      add(at, issue.message);
  }
}

/**
 * Wording for the generic cases the schema does not phrase itself (schema-level messages win
 * over this one). Falls back to zod's own message by returning undefined.
 */
export function friendlyMessage(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return `required ${iss.expected === 'object' ? 'section' : 'value'} is missing`;
    return `expected ${nounFor(iss.expected)}, got ${describeValue(iss.input)}`;
  }
  if (iss.code === 'invalid_value') {
    return `expected ${iss.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(iss.input)}`;
  }
  return undefined;
}

function nounFor(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping of keys to values';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    default:
      return `a ${expected}`;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'nothing (empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `the ${typeof v} ${String(v)}`;
}
