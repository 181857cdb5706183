// The harness's own safety, read from its source: programs are started with argument vectors,
// and the few shell scripts it runs are constants that take their values as positional
// parameters ("$0" "$@"), so nothing from a topology, a rule set or the command line can ever
// be read by a shell. Checked on the syntax tree (the TypeScript compiler), not by grep, so a
// template string or a concatenation cannot slip through in an unusual layout.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, test } from '@playwright/test';

const SOURCE_DIRS = ['harness', 'suites'];
const SHELLS = new Set(['sh', 'bash', 'dash', '/bin/sh', '/bin/bash']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(name) && !name.endsWith('-draw.js') && name !== 'report-client.js' ? [path] : [];
  });
}

const isStringConstant = (node: ts.Node): boolean => ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);

/**
 * True when `node` can only ever have one value, known from this file: a string literal, a
 * template or `+` of constants, a `[...constants].join(constant)`, or a name declared
 * `const` with such a value.
 */
function isConstant(file: ts.SourceFile, node: ts.Node, seen = new Set<string>()): boolean {
  if (isStringConstant(node)) return true;
  if (ts.isParenthesizedExpression(node)) return isConstant(file, node.expression, seen);
  if (ts.isTemplateExpression(node)) return node.templateSpans.every((span) => isConstant(file, span.expression, seen));
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return isConstant(file, node.left, seen) && isConstant(file, node.right, seen);
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'join') {
    const list = node.expression.expression;
    return ts.isArrayLiteralExpression(list) && list.elements.every((e) => isConstant(file, e, seen)) && node.arguments.every((a) => isConstant(file, a, seen));
  }
  if (ts.isIdentifier(node)) {
    if (seen.has(node.text)) return false;
    seen.add(node.text);
    let constant = false;
    const visit = (n: ts.Node) => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === node.text && n.initializer) {
        const list = n.parent;
        if (ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0 && isConstant(file, n.initializer, seen)) constant = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
    return constant;
  }
  return false;
}

interface Finding {
  where: string;
  what: string;
}

function findings(path: string, text = readFileSync(path, 'utf8')): { shellScripts: number; problems: Finding[] } {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const problems: Finding[] = [];
  let shellScripts = 0;
  const where = (node: ts.Node) => `${path}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isArrayLiteralExpression(node)) {
      const els = node.elements;
      els.forEach((el, i) => {
        if (!(isStringConstant(el) && SHELLS.has((el as ts.StringLiteral).text))) return;
        const flag = els[i + 1];
        if (!flag || !isStringConstant(flag) || (flag as ts.StringLiteral).text !== '-c') return;
        shellScripts++;
        const script = els[i + 2];
        const ok = script !== undefined && isConstant(file, script);
        if (!ok) problems.push({ where: where(el), what: `shell script is not a constant: ${script?.getText() ?? '(none)'}` });
      });
    }
    // `shell: true` hands a whole command line to /bin/sh.
    if (ts.isPropertyAssignment(node) && node.name.getText() === 'shell' && node.initializer.kind !== ts.SyntaxKind.FalseKeyword) {
      problems.push({ where: where(node), what: `shell option: ${node.getText()}` });
    }
    // exec and execSync take a command string for a shell; execFile and spawn take argv.
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && /^(node:)?child_process$/.test(node.moduleSpecifier.text)) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const b of bindings.elements) {
          if (['exec', 'execSync'].includes((b.propertyName ?? b.name).text)) problems.push({ where: where(b), what: `imports child_process.${(b.propertyName ?? b.name).text}` });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { shellScripts, problems };
}

test('no shell ever reads a string built from input: argv arrays, constant scripts, no exec/execSync, no shell option', () => {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  let scripts = 0;
  const problems: Finding[] = [];
  for (const f of files) {
    const r = findings(f);
    scripts += r.shellScripts;
    problems.push(...r.problems);
  }
  expect(problems.map((p) => `${p.where}: ${p.what}`)).toEqual([]);
  // The check did look at the shell scripts that exist (a constant script with "$0" "$@").
  expect(scripts).toBeGreaterThan(5);
});

test('the checker itself catches a script built from input', () => {
  const unsafe = [
    "import { exec } from 'node:child_process';",
    'const name = process.argv[2];',
    "run(['sh', '-c', `ip link del ${name}`]);",
    "run(['bash', '-c', 'echo ' + name]);",
    "run(['sh', '-c', SCRIPT_FROM_ELSEWHERE, name]);",
    "const LINES = ['echo', name].join(' ');",
    "run(['sh', '-c', LINES]);",
    "spawn('ip', ['link'], { shell: true });",
  ].join('\n');
  expect(findings('unsafe.ts', unsafe).problems.map((p) => `${p.where}: ${p.what}`)).toEqual([
    'unsafe.ts:1: imports child_process.exec',
    'unsafe.ts:3: shell script is not a constant: `ip link del ${name}`',
    "unsafe.ts:4: shell script is not a constant: 'echo ' + name",
    'unsafe.ts:5: shell script is not a constant: SCRIPT_FROM_ELSEWHERE',
    'unsafe.ts:7: shell script is not a constant: LINES',
    'unsafe.ts:8: shell option: shell: true',
  ]);
});

test('a spec that skipped the loader is refused by the driver before any name is used', async () => {
  const { loadTopology } = await import('../harness/topology/load-topology.ts');
  const { NetnsDriver } = await import('../harness/drivers/netns/netns-driver.ts');
  const routed = await loadTopology('topologies/routed.topo.yaml');
  const { client, ...others } = routed.nodes;
  const unsafe = { ...routed, nodes: { ...others, 'client;reboot': client! } };
  await expect(new NetnsDriver().up(unsafe)).rejects.toThrow('unsafe node "client;reboot"');
  const eth = { ...routed, nodes: { ...routed.nodes, client: { ...client!, interfaces: { 'eth0 down': client!.interfaces.eth0! } } } };
  await expect(new NetnsDriver().up(eth)).rejects.toThrow('unsafe interface of client: invalid interface name "eth0 down"');
  // Refused before a run was claimed: this process owns no run, so it made no namespace.
  const { knownRunIds, runOwnedByMe } = await import('../harness/run-state.ts');
  for (const id of await knownRunIds()) expect(await runOwnedByMe(id)).toBe(false);
});
