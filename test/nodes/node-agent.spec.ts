// The node agent's launcher (harness/nodes/node-agent.mjs): programs started through a constant
// bash script get their argv verbatim (no shell parses it), their input, their exit status and
// both outputs apart; a missing program is ENOENT, a slow one is killed at its time-out, several
// run at once, and the launcher's files are gone once each answer is given.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from '@playwright/test';

const AGENT = 'harness/nodes/node-agent.mjs';

class Agent {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    let ready: () => void = () => undefined;
    this.ready = new Promise((r) => (ready = r));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (msg.ready) return ready();
      this.waiting.get(msg.id as number)?.(msg);
    });
  }

  ask(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }
}

let dir: string;
let agent: Agent;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pinhole-agent-test-'));
  agent = new Agent(spawn(process.execPath, [AGENT, dir], { stdio: ['pipe', 'pipe', 'inherit'] }));
  await agent.ready;
});

test.afterAll(async () => {
  const exited = new Promise((r) => agent.child.once('exit', r));
  agent.child.stdin!.end();
  await exited;
  rmSync(dir, { recursive: true, force: true });
});

test('argv reaches the program as given: spaces, quotes, $, globs and empty arguments', async () => {
  const argv = ['a b', "it's", '$HOME', '*', '', '"; rm -rf /'];
  const r = await agent.ask({ argv: [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...argv] });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout as string)).toEqual(argv);
});

test('input, exit status and both outputs, apart', async () => {
  expect(await agent.ask({ argv: ['cat'], input: 'hello\nworld' })).toMatchObject({ code: 0, stdout: 'hello\nworld', stderr: '' });
  expect(await agent.ask({ argv: ['cat'], input: Buffer.from([0, 1, 2]).toString('base64'), inputBase64: true })).toMatchObject({ code: 0, stdout: '\u0000\u0001\u0002' });
  expect(await agent.ask({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] })).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
});

test('a missing program is ENOENT; a slow one is killed at its time-out; several run at once', async () => {
  expect(await agent.ask({ argv: ['pinhole-no-such-program'] })).toMatchObject({ failure: 'ENOENT' });
  expect(await agent.ask({ argv: ['sleep', '30'], timeoutMs: 200 })).toMatchObject({ failure: 'timeout' });
  const order: string[] = [];
  await Promise.all([
    agent.ask({ argv: ['sleep', '0.5'] }).then(() => order.push('slow')),
    agent.ask({ argv: ['echo', 'quick'] }).then(() => order.push('quick')),
  ]);
  expect(order).toEqual(['quick', 'slow']);
  // Every answer given: no output file is left in the work directory.
  expect(readdirSync(dir)).toEqual([]);
});
