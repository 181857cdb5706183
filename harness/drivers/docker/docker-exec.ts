/**
 * Running programs in a container. Short commands go through the Engine API (dockerode), which
 * costs no process spawn; long-running ones through `docker exec -i`, which gives the harness
 * an ordinary child process with pipes, like the netns driver's nsenter.
 */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult } from '../../exec.ts';
import { start, throwIfStopping } from '../../exec.ts';

export async function execInContainer(docker: Docker, containerId: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  throwIfStopping(`docker exec ${argv[0]}`);
  const container = docker.getContainer(containerId);
  const withInput = opts.input !== undefined;
  const exec = await container.exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, AttachStdin: withInput });
  const stream = await exec.start({ hijack: true, stdin: withInput });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (d: Buffer) => out.push(d));
  const stderr = new PassThrough().on('data', (d: Buffer) => err.push(d));
  docker.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  if (withInput) stream.end(opts.input);
  const timeout = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ended,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${argv.join(' ')}: timed out after ${timeout} ms`)), timeout))),
  ]).finally(() => clearTimeout(timer));
  const info = await exec.inspect();
  return { code: info.ExitCode ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

export function spawnInContainer(containerId: string, argv: readonly string[]) {
  return start(['docker', 'exec', '-i', containerId, ...argv]);
}
