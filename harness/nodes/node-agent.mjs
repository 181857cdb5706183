// The node agent: a long-lived process inside one node that runs programs there on request.
// A lab runs a few commands in its firewall and server nodes for every cell (flush conntrack
// and apply the rule set, read the firewall's state, hash an upload, end lingering sessions).
// Started from the test worker each would fork the whole worker (tens of milliseconds with its
// event loop stopped) and then nsenter, or make a Docker Engine API call; asked of the agent,
// each is a line on a pipe and a fork of this small process inside the node.
//
// Plain JavaScript on purpose: an agent starts in several nodes of every lab, and without a
// TypeScript loader it is ready in tens of milliseconds. The harness side, with its types, is
// harness/nodes/node-agent.ts.
//
// Protocol: one JSON line per request on standard input, one of
//   {"id": 1, "argv": ["nft", "-f", "-"], "input": "...", "inputBase64": false, "timeoutMs": 30000}
//   {"id": 2, "read": "/proc/net/stat/nf_conntrack"}        (a file as the node sees it)
//   {"id": 3, "killDescendants": 1234}                      (every descendant, deepest first)
// one JSON line per answer on standard output, in any order,
//   {"id": 1, "code": 0, "stdout": "...", "stderr": "..."}  {"id": 2, "content": "..."}  {"id": 3, "done": true}
//   or {"id": n, "failure": "ENOENT" | "timeout" | "..."}
// argv is run as given (execFile): no shell ever sees it. End of input ends the agent.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const MAX_BUFFER = 64 * 1024 * 1024;

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function runRequest(req) {
  const [file, ...args] = req.argv;
  const child = execFile(file, args, { encoding: 'utf8', maxBuffer: MAX_BUFFER, timeout: req.timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
    if (err && typeof err.code !== 'number') {
      // No exit status: the program did not start (ENOENT), ran out of time, or overflowed.
      const failure = err.code === 'ENOENT' ? 'ENOENT' : err.killed ? 'timeout' : String(err.message);
      return answer({ id: req.id, failure });
    }
    answer({ id: req.id, code: err ? Number(err.code) : 0, stdout, stderr });
  });
  // A program that exits before reading its input: its exit status tells what happened.
  child.stdin.on('error', () => undefined);
  if (req.input === undefined) child.stdin.end();
  else child.stdin.end(req.inputBase64 ? Buffer.from(req.input, 'base64') : req.input);
}

/** The children of a pid: /proc/<pid>/task/<tid>/children where the kernel has it, else a scan of /proc. */
function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch (err) {
    if (err && err.code === 'ENOENT' && !readdirSafe(`/proc/${pid}`)) return [];
    return readdirSync('/proc')
      .filter((d) => /^[0-9]+$/.test(d))
      .filter((d) => {
        try {
          // The parent pid is the second field after the command name, which may hold spaces.
          const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
  }
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/** Kills the descendants of pid, deepest first, so no parent notices a child's death and acts on it. */
function killDescendants(pid) {
  for (const child of childrenOf(pid)) {
    killDescendants(child);
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

function handle(req) {
  if (typeof req.read === 'string') return answer({ id: req.id, content: readFileSync(req.read, 'utf8') });
  if (typeof req.killDescendants === 'number') {
    killDescendants(req.killDescendants);
    return answer({ id: req.id, done: true });
  }
  runRequest(req);
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    let req;
    try {
      req = JSON.parse(line);
    } catch {
      return;
    }
    try {
      handle(req);
    } catch (err) {
      answer({ id: req.id, failure: String(err instanceof Error ? err.message : err) });
    }
  })
  .on('close', () => process.exit(0));

answer({ ready: true });
