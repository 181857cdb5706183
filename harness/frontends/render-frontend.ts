/**
 * A user's frontend configuration rendered by the real frontend (render-frontend.sh, in a
 * throw-away network, mount and PID namespace), into what the kernel would hold: an nft rule set
 * (firewalld) or iptables-save text per family (ufw, ferm, FireHOL, Shorewall).
 *
 * Renderings are kept by content: the configuration's files, the frontend and its version name
 * a directory of pinhole's cache (renderings/), so the CLI renders once while it checks its
 * inputs, and each worker reads that rendering back instead of rendering again. A changed file
 * is a new rendering; nothing is ever stale.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostError, InputError } from '../errors.ts';
import { run } from '../exec.ts';
import { CACHE_DIR } from '../paths.ts';
import { FRONTEND_READS, frontendConfigName, type FrontendConfig, type FrontendKind } from './frontend-kinds.ts';
import { frontendProblem } from './frontend-errors.ts';

const RENDER_SCRIPT = fileURLToPath(new URL('./render-frontend.sh', import.meta.url));

export type RenderedFormat = 'nft' | 'iptables' | 'ip6tables';

export interface RenderedFile {
  format: RenderedFormat;
  /** Where the rendering is kept (pinhole's cache). */
  path: string;
  text: string;
}

export interface Rendering extends FrontendConfig {
  /** The frontend's Debian package version (`1.3.3-1~deb12u2`). */
  version: string;
  /** The configuration's name in reports. */
  name: string;
  /** ruleset.nft, or iptables and (where the configuration has any) ip6tables. */
  files: RenderedFile[];
  /** How long the frontend took, when this call rendered (0: read back from the cache). */
  renderMs: number;
}

/** The script's block names, and the format and file suffix each is kept as. */
const BLOCKS: Readonly<Record<string, { format: RenderedFormat; suffix: string }>> = {
  'ruleset.nft': { format: 'nft', suffix: '.nft' },
  'iptables.rules': { format: 'iptables', suffix: '.iptables' },
  'ip6tables.rules': { format: 'ip6tables', suffix: '.ip6tables' },
};

/** The frontend's unpacked packages (harness/setup/frontend-bundles.sh) and their version. */
export async function frontendTree(kind: FrontendKind): Promise<{ tree: string; version: string }> {
  const tree = join(CACHE_DIR, 'frontends', kind);
  try {
    return { tree, version: (await readFile(join(tree, '.version'), 'utf8')).trim() };
  } catch {
    throw new HostError(`${kind} is not unpacked in ${join(CACHE_DIR, 'frontends')}: run \`pinhole setup\` (as root), which unpacks the firewall frontends`);
  }
}

/** Every file of the configuration, by path relative to it, for the cache key. */
async function configFiles(path: string): Promise<Array<[string, Buffer]>> {
  const st = await stat(path);
  if (!st.isDirectory()) return [['', await readFile(path)]];
  const out: Array<[string, Buffer]> = [];
  for (const e of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out.push([relative(path, full), await readFile(full)]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A copy of the configuration (and what the frontend reads beside it) in a directory of its own,
 * removed when disposed: advice edits the copy, never the user's files.
 */
export async function copyOfConfig(c: FrontendConfig): Promise<FrontendConfig & AsyncDisposable> {
  const dir = await mkdtemp(join(tmpdir(), 'pinhole-config-'));
  for (const path of [c.config, ...companions(c)]) await cp(path, join(dir, basename(path)), { recursive: true });
  return { kind: c.kind, config: join(dir, basename(c.config)), [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** What else a frontend reads beside its configuration (ferm.d/, firehol-defaults.conf, shorewall6/). */
function companions(c: FrontendConfig): string[] {
  const dir = join(c.config, '..');
  const near = { ferm: ['ferm.d'], firehol: ['firehol-defaults.conf'], shorewall: ['shorewall6'], firewalld: [], ufw: [] }[c.kind];
  return near.map((n) => join(dir, n)).filter((p) => existsSync(p));
}

async function cacheKey(c: FrontendConfig, version: string): Promise<string> {
  const h = createHash('sha256').update(`${c.kind}\0${version}\0`);
  for (const path of [c.config, ...companions(c)]) {
    h.update(`${path === c.config ? '' : relative(join(c.config, '..'), path)}\0`);
    for (const [name, data] of await configFiles(path)) h.update(`${name}\0${data.length}\0`).update(data);
  }
  return h.digest('hex').slice(0, 16);
}

/** The configuration as the frontend needs it: there, and a file or a directory as it reads one. */
async function checkShape(c: FrontendConfig): Promise<void> {
  const want = FRONTEND_READS[c.kind];
  let st;
  try {
    st = await stat(c.config);
  } catch {
    throw new InputError(`${c.config}: ${c.kind} configuration does not exist (${c.kind} reads ${want.reads})`);
  }
  if ((want.shape === 'directory') !== st.isDirectory()) throw new InputError(`${c.config}: ${c.kind} reads ${want.reads}, and this is ${st.isDirectory() ? 'a directory' : 'not a directory'}`);
}

const inProcess = new Map<string, Promise<Rendering>>();

/** `reuse: false` renders even when the cache holds this configuration's rendering (the bench, the tests). */
export async function renderFrontend(c: FrontendConfig, { reuse = true } = {}): Promise<Rendering> {
  await checkShape(c);
  const { tree, version } = await frontendTree(c.kind);
  // The name is part of the key: the files inside are named after it.
  const key = `${c.kind}-${frontendConfigName(c)}-${await cacheKey(c, version)}`;
  let r = reuse ? inProcess.get(key) : undefined;
  if (!r) {
    r = renderOrReadBack(c, tree, version, key, reuse);
    inProcess.set(key, r);
    r.catch(() => inProcess.delete(key));
  }
  return r;
}

async function renderOrReadBack(c: FrontendConfig, tree: string, version: string, key: string, reuse: boolean): Promise<Rendering> {
  const dir = join(CACHE_DIR, 'renderings', key);
  const name = frontendConfigName(c);
  const kept = reuse ? await readBack(dir, name) : undefined;
  if (kept) return { ...c, version, name, files: kept, renderMs: 0 };
  const started = performance.now();
  // Within a minute on a loaded machine: firewalld is the slowest, 1-2 s, and waits 20 s at most.
  const r = await run(['bash', RENDER_SCRIPT, c.kind, tree, c.config], { timeoutMs: 60_000 });
  const renderMs = Math.round(performance.now() - started);
  if (r.code === 3) throw new HostError(`${c.kind} cannot render here: ${r.stderr.trim()}`);
  if (r.code !== 0) throw new InputError(frontendProblem(c, r.stderr, r.stdout));
  const blocks = parseBlocks(r.stdout);
  if (blocks.length === 0) throw new InputError(`${c.config}: ${c.kind} rendered no rules from it`);
  // Written aside, then renamed into place whole: another worker may be reading the cache.
  await mkdir(join(CACHE_DIR, 'renderings'), { recursive: true });
  const tmp = await mkdtemp(join(CACHE_DIR, 'renderings', `.${key}.`));
  const files: RenderedFile[] = [];
  for (const b of blocks) {
    const path = join(dir, `${name}${BLOCKS[b.name]!.suffix}`);
    await writeFile(join(tmp, `${name}${BLOCKS[b.name]!.suffix}`), b.text);
    files.push({ format: BLOCKS[b.name]!.format, path, text: b.text });
  }
  await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
    // Another process rendered the same configuration at the same time: its copy is as good.
    await rm(tmp, { recursive: true, force: true });
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
  });
  return { ...c, version, name, files, renderMs };
}

async function readBack(dir: string, name: string): Promise<RenderedFile[] | undefined> {
  const files: RenderedFile[] = [];
  for (const { format, suffix } of Object.values(BLOCKS)) {
    const path = join(dir, `${name}${suffix}`);
    if (existsSync(path)) files.push({ format, path, text: await readFile(path, 'utf8') });
  }
  return files.length > 0 ? files : undefined;
}

/** The script's `=== pinhole-render NAME` blocks, up to its `end` line (without which the output is cut short). */
export function parseBlocks(out: string): Array<{ name: string; text: string }> {
  const blocks: Array<{ name: string; text: string }> = [];
  let ended = false;
  for (const line of out.split('\n')) {
    const head = /^=== pinhole-render (\S+)$/.exec(line);
    if (head?.[1] === 'end') {
      ended = true;
      break;
    }
    if (head) blocks.push({ name: head[1]!, text: '' });
    else if (blocks.length > 0) blocks.at(-1)!.text += `${line}\n`;
  }
  if (!ended) return [];
  return blocks.filter((b) => b.name in BLOCKS && b.text.trim() !== '');
}
