/**
 * The probe agent as one plain JavaScript file, bundled from its TypeScript sources by esbuild
 * (the compiler tsx itself uses) once per process. Started through tsx's loader it spent about
 * half a second of CPU compiling itself in every lab; bundled, it starts as fast as plain Node.
 * The file is named by its content's hash in pinhole's cache (paths.ts), so what runs is always what the
 * sources say, and concurrent workers (or runs) writing the same bundle write the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CACHE_DIR } from '../paths.ts';

const SOURCE = fileURLToPath(new URL('./probe-agent.ts', import.meta.url));
/** In pinhole's cache: the docker driver mounts it into every node at its own path. */
const BUNDLES = join(CACHE_DIR, 'probe-agent');

let bundled: Promise<string> | undefined;

async function bundle(): Promise<string> {
  // node18: the docker node image runs Debian bookworm's nodejs (18.19), the host Node.js 20.
  const out = await build({ entryPoints: [SOURCE], bundle: true, platform: 'node', format: 'esm', target: 'node18', write: false, logLevel: 'silent' });
  const code = out.outputFiles[0]!.contents;
  const file = join(BUNDLES, `probe-agent-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (await stat(file).catch(() => undefined)) return file;
  await mkdir(BUNDLES, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, code);
  await rename(partial, file);
  return file;
}

/** The path of the bundled probe agent, built on first use in this process. */
export function probeAgentBundle(): Promise<string> {
  bundled ??= bundle();
  bundled.catch(() => (bundled = undefined));
  return bundled;
}
