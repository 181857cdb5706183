// The node agent: a long-lived process inside one node that runs programs there on request.
// A lab runs a few commands in its firewall and server nodes for every cell (flush conntrack
// and apply the rule set, read the firewall's state, hash an upload, end lingering sessions).
// Started from the test worker each would fork the whole worker (tens of milliseconds with its
// event loop stopped) and then nsenter, or make a Docker Engine API call; asked of the agent,
// each is a line on a pipe and a fork of a small bash launcher inside the node (see LAUNCHER).
//
// Plain JavaScript on purpose: an agent starts in several nodes of every lab, and without a
// TypeScript loader it is ready in tens of milliseconds. The harness side, with its types, is
// harness/nodes/node-agent.ts.
//
// Protocol: one JSON line per request on standard input, one of
//   {"id": 1, "argv": ["nft", "-f", "-"], "input": "...", "inputBase64": false, "timeoutMs": 30000}
//   {"id": 2, "read": "/proc/net/stat/nf_conntrack"}        (a file as the node sees it)
//   {"id": 3, "killDescendants": 1234}                      (every descendant, deepest first)
//   {"id": 4, "datagram": {"host": "127.0.0.127", "port": 61000}}  (one empty UDP datagram, sent by this process)
// one JSON line per answer on standard output, in any order,
//   {"id": 1, "code": 0, "stdout": "...", "stderr": "..."}  {"id": 2, "content": "..."}  {"id": 3, "done": true}  {"id": 4, "done": true}
//   or {"id": n, "failure": "ENOENT" | "timeout" | "..."}
// argv is run as given: no shell ever parses it. End of input ends the agent.
//
// Argument: a directory of the node's own (its work directory) for the launcher's files; without
// one, or without bash in the node, every program is started by this process (execFile).
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const MAX_BUFFER = 64 * 1024 * 1024;

// Why a launcher: Node.js forks a child by copying its whole address space, and here that costs
// this small agent about 5 ms of CPU per program (measured: 5-7 ms per `conntrack -F` from Node,
// under 1 ms through this launcher), several programs a cell, on both cores at once. bash forks
// in a fraction of that. The script is a constant: it reads each request's fields as data
// (NUL-terminated: id, the stdin file, argc, then argv) into an array and runs the array, so no
// shell ever parses a program's arguments. Output goes to files in the work directory ($0),
// since concurrent programs cannot share one pipe; each answers `end <id> <status>` when done
// and `pid <id> <pid>` when started (for a time-out's kill), in either order.
const LAUNCHER = [
  'dir=$0',
  "while IFS= read -r -d '' id && IFS= read -r -d '' input && IFS= read -r -d '' n; do",
  '  a=()',
  "  for ((i = 0; i < n; i++)); do IFS= read -r -d '' x; a+=(\"$x\"); done",
  '  { "${a[@]}" <"$input" >"$dir/$id.out" 2>"$dir/$id.err"; echo "end $id $?"; } &',
  '  echo "pid $id $!"',
  'done',
].join('\n');

/** Requests the launcher runs, by id: what to answer when it ends, and the time-out to cancel. */
const launched = new Map();

function startLauncher(dir) {
  if (!dir || !existsSync('/bin/bash') || !existsSync(dir)) return undefined;
  // One argv literal, so test/safety.spec.ts sees (and checks) the shell and its script.
  const [shell, ...args] = ['/bin/bash', '-c', LAUNCHER, dir];
  const child = spawn(shell, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.on('error', () => undefined);
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [what, id, value] = line.split(' ');
    const run = launched.get(id);
    if (!run) return;
    if (what === 'pid') run.pid = Number(value);
    else if (what === 'end') finish(run, Number(value));
  });
  child.on('exit', () => {
    // Whatever it had not finished cannot finish now; later programs start from this process.
    launcher = undefined;
    for (const run of launched.values()) settleLaunched(run, { id: run.req.id, failure: 'the launcher exited' });
  });
  return { child, dir };
}

let launcher = startLauncher(process.argv[2]);
let nextLaunch = 0;

function settleLaunched(run, message) {
  launched.delete(run.key);
  clearTimeout(run.timer);
  for (const f of run.files) rmSync(f, { force: true });
  answer(message);
}

function finish(run, status) {
  const read = (f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const stdout = read(run.files[0]);
  const stderr = read(run.files[1]);
  // bash's own words when argv[0] is not a program: what execFile calls ENOENT.
  if (status === 127 && /: (command not found|No such file or directory)\n?$/.test(stderr)) return settleLaunched(run, { id: run.req.id, failure: 'ENOENT' });
  settleLaunched(run, { id: run.req.id, code: status, stdout, stderr });
}

function launch(req) {
  const key = String(++nextLaunch);
  const files = [join(launcher.dir, `${key}.out`), join(launcher.dir, `${key}.err`)];
  let stdin = '/dev/null';
  if (req.input !== undefined) {
    stdin = join(launcher.dir, `${key}.in`);
    files.push(stdin);
    writeFileSync(stdin, req.inputBase64 ? Buffer.from(req.input, 'base64') : req.input);
  }
  const run = { key, req, files, pid: undefined, timer: undefined };
  run.timer = setTimeout(() => {
    if (run.pid !== undefined) {
      killDescendants(run.pid);
      try {
        process.kill(run.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    settleLaunched(run, { id: req.id, failure: 'timeout' });
  }, req.timeoutMs ?? 30_000);
  launched.set(key, run);
  const fields = [key, stdin, String(req.argv.length), ...req.argv];
  launcher.child.stdin.write(`${fields.join('\0')}\0`);
}

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function runRequest(req) {
  // NUL cannot be in an argument (nor in a C string), so the launcher's framing always holds.
  if (launcher && req.argv.every((a) => typeof a === 'string' && !a.includes('\0'))) return launch(req);
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
  if (req.datagram && typeof req.datagram.host === 'string' && typeof req.datagram.port === 'number') {
    // The drop observer's fence (harness/nodes/drop-observer.ts): sent from here, it costs no
    // program start (bash's /dev/udp took 14 ms a fence, this well under one).
    const socket = createSocket(req.datagram.host.includes(':') ? 'udp6' : 'udp4');
    return socket.send(Buffer.alloc(0), req.datagram.port, req.datagram.host, (err) => {
      socket.close();
      answer(err ? { id: req.id, failure: String(err.message) } : { id: req.id, done: true });
    });
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
  .on('close', () => {
    launcher?.child.stdin.end();
    process.exit(0);
  });

answer({ ready: true });
