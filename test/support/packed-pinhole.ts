/**
 * pinhole as npm publishes it: `npm pack` of this checkout (prepack compiles the library,
 * postpack removes the compiled files again), made once for the tests that install it into a
 * fresh project (test/cli/check.spec.ts, test/library/library.spec.ts). A pack takes 15-30 s on
 * a busy two-core machine, so it is kept under test-results/ by the hash of the checkout's files
 * (sourceState): the same files, the same tarball; any change, a new pack.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../../harness/paths.ts';
import { sourceState } from './default-run.ts';

const PACKS_DIR = fileURLToPath(new URL('../../test-results/packs', import.meta.url));

export interface PackedPinhole {
  /** The tarball, to `npm install` from. */
  tarball: string;
  /** The paths it holds, as `npm pack --json` lists them. */
  paths: string[];
}

/** Packs this checkout, or returns the pack already made of exactly these files. Throws with npm's output when the pack fails. */
export function packedPinhole(): PackedPinhole {
  const tree = sourceState()?.tree ?? `untracked-${Date.now()}`;
  const dir = join(PACKS_DIR, tree.slice(0, 16));
  const listing = join(dir, 'pack.json');
  if (existsSync(listing)) return JSON.parse(readFileSync(listing, 'utf8')) as PackedPinhole;

  const making = `${dir}.making-${process.pid}`;
  rmSync(making, { recursive: true, force: true });
  mkdirSync(making, { recursive: true });
  const r = spawnSync('npm', ['pack', '--pack-destination', making, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`npm pack failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  // The lifecycle scripts print before npm's JSON.
  const [{ filename, files }] = JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m))) as [{ filename: string; files: Array<{ path: string }> }];
  const packed: PackedPinhole = { tarball: join(dir, filename), paths: files.map((f) => f.path) };
  writeFileSync(join(making, 'pack.json'), JSON.stringify(packed));
  // Whole or not at all: a pack cut short never passes for a made one. Packs of other files
  // than these are of no further use.
  for (const old of readdirSync(PACKS_DIR)) if (join(PACKS_DIR, old) !== making) rmSync(join(PACKS_DIR, old), { recursive: true, force: true });
  renameSync(making, dir);
  return packed;
}
