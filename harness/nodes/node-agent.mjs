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
// Protocol: one JSON line per request on standard input,
//   {"id": 1, "argv": ["nft", "-f", "-"], "input": "...", "inputBase64": false, "timeoutMs": 30000}
// one JSON line per answer on standard output, in any order,
//   {"id": 1, "code": 0, "stdout": "...", "stderr": "..."}  or  {"id": 1, "failure": "ENOENT" | "timeout" | "..."}
// argv is run as given (execFile): no shell ever sees it. End of input ends the agent.
import { execFile } from 'node:child_process';
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

createInterface({ input: process.stdin })
  .on('line', (line) => {
    let req;
    try {
      req = JSON.parse(line);
    } catch {
      return;
    }
    try {
      runRequest(req);
    } catch (err) {
      answer({ id: req.id, failure: String(err instanceof Error ? err.message : err) });
    }
  })
  .on('close', () => process.exit(0));

answer({ ready: true });
