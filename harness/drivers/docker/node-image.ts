/**
 * The node image. No registry is reachable on many CI machines, so the default build is
 * offline: mmdebstrap makes a Debian rootfs from Debian's own mirrors, `docker import` turns it
 * into an image. Where a registry exists, `--base-image` builds the same package set with a
 * Dockerfile from a pinned base. The tag is a hash of the recipe: an image is rebuilt only when
 * its recipe changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { start } from '../../exec.ts';
import { HostError } from '../../errors.ts';
import { onPath } from '../../on-path.ts';
import { TOPOLOGIES_DIR } from '../../paths.ts';

const PACKAGES_FILE = join(TOPOLOGIES_DIR, 'images', 'node.packages');
const DOCKERFILE = join(TOPOLOGIES_DIR, 'images', 'node.Dockerfile');
const SUITE = 'bookworm';
export const IMAGE_REPOSITORY = 'pinhole/node';

export interface ImageRecipe {
  packages: string[];
  tag: string;
}

export async function nodeImageRecipe(baseImage?: string): Promise<ImageRecipe> {
  const text = await readFile(PACKAGES_FILE, 'utf8');
  const packages = text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  const recipe = baseImage ? `dockerfile\n${baseImage}\n${await readFile(DOCKERFILE, 'utf8')}` : `mmdebstrap ${SUITE} apt`;
  const hash = createHash('sha256').update(`${recipe}\n${packages.join(' ')}`).digest('hex').slice(0, 12);
  return { packages, tag: `${IMAGE_REPOSITORY}:${hash}` };
}

export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Runs argv, passing its output through as progress lines; throws with its tail on failure. */
async function runWithProgress(argv: string[], progress: (line: string) => void): Promise<void> {
  const child = start(argv);
  let tail = '';
  const onData = (d: Buffer) => {
    tail = (tail + d).slice(-2000);
    for (const line of String(d).split('\n').filter(Boolean)) progress(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.stdin?.end();
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} ... exited ${code}: ${tail.trim()}`);
}

/** Builds the node image unless an image of the same recipe exists. Returns its tag. */
export async function ensureNodeImage(
  docker: Docker,
  opts: { baseImage?: string; force?: boolean; progress?: (line: string) => void } = {},
): Promise<string> {
  const recipe = await nodeImageRecipe(opts.baseImage);
  if (!opts.force && (await imageExists(docker, recipe.tag))) return recipe.tag;
  const progress = opts.progress ?? ((l: string) => process.stderr.write(`pinhole images: ${l}\n`));
  progress(`building ${recipe.tag} (${opts.baseImage ? `Dockerfile FROM ${opts.baseImage}` : `offline: mmdebstrap ${SUITE}`}; ${recipe.packages.join(' ')})`);
  if (opts.baseImage) {
    await runWithProgress(
      ['docker', 'build', '-t', recipe.tag, '--build-arg', `BASE_IMAGE=${opts.baseImage}`, '--build-arg', `PACKAGES=${recipe.packages.join(' ')}`, '-f', DOCKERFILE, join(TOPOLOGIES_DIR, 'images')],
      progress,
    );
    return recipe.tag;
  }
  if (!(await onPath('mmdebstrap'))) {
    throw new HostError('the Docker node image is not built and mmdebstrap is missing: apt-get install mmdebstrap (or: pinhole images build --base-image <image>)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'pinhole-image-'));
  try {
    const rootfs = join(dir, 'rootfs.tar');
    await runWithProgress(['mmdebstrap', '--variant=apt', `--include=${recipe.packages.join(',')}`, SUITE, rootfs], progress);
    const [repo, tag] = recipe.tag.split(':') as [string, string];
    const stream = await docker.importImage(createReadStream(rootfs), { repo, tag });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    progress(`built ${recipe.tag}`);
    return recipe.tag;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
