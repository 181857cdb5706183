/**
 * GitHub Actions workflow commands (`::error file=...,line=...,title=...::message`) for the
 * findings, so that each shows on its rule set's line in the pull request's diff. GitHub keeps
 * at most 10 error annotations per step: the findings come most important first
 * (findings.ts), the rest are counted in one closing notice.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { describeFinding, type Finding } from './findings.ts';

/** GitHub shows at most this many error annotations of one step. */
export const GITHUB_ANNOTATION_LIMIT = 10;

// Hand-written: the escaping rules of workflow commands (actions/toolkit's command.ts), not a library's.
/** A command's message: `%`, CR and LF escaped. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value: as a message, and `:` and `,` too, which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The path GitHub resolves against the checkout: relative to the workspace, with `/`; undefined outside it. */
export function workspacePath(file: string, workspace: string): string | undefined {
  const rel = relative(workspace, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

export function workflowCommands(findings: readonly Finding[], workspace: string, limit = GITHUB_ANNOTATION_LIMIT): string[] {
  const lines = findings.slice(0, limit).map((f) => {
    const path = f.file === undefined ? undefined : workspacePath(f.file, workspace);
    const title = f.level === 'attack' ? `pinhole: an attack got through (${f.code})` : f.level === 'violation' ? `pinhole: ${f.code}` : 'pinhole: inconclusive';
    // A file outside the workspace cannot be annotated: the message names it instead.
    const props = [...(path ? [`file=${escapeProperty(path)}`] : []), ...(path && f.line !== undefined ? [`line=${f.line}`] : []), `title=${escapeProperty(title)}`];
    const message = path || f.file === undefined ? describeFinding(f) : `${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ${describeFinding(f)}`;
    return `::${f.level === 'inconclusive' ? 'warning' : 'error'} ${props.join(',')}::${escapeData(message)}`;
  });
  // The expectation's key line too, where the check file said it: a notice, so that it does not
  // take the place of an error in GitHub's per-step count (notices are counted apart).
  const keyLines = new Map<string, string>();
  for (const f of findings.slice(0, limit)) {
    const at = f.expectedAt;
    const path = at && workspacePath(at.file, workspace);
    if (!at || !path) continue;
    const id = `${path}:${at.line}`;
    if (!keyLines.has(id)) keyLines.set(id, `::notice file=${escapeProperty(path)},line=${at.line},title=${escapeProperty('pinhole: the expectation')}::${escapeData(`${at.key}: ${f.cells[0]!.expected}, and ${describeFinding(f)}`)}`);
  }
  lines.push(...[...keyLines.values()].slice(0, limit));
  const rest = findings.length - Math.min(findings.length, limit);
  if (rest > 0) lines.push(`::notice title=${escapeProperty('pinhole: more findings')}::${escapeData(`${rest} more finding${rest === 1 ? '' : 's'} not annotated (GitHub shows ${limit} per step): see the job summary and the reports`)}`);
  return lines;
}
