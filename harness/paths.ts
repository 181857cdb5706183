/** Where the repository's parts are, independent of the current directory. */
import { homedir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TOPOLOGIES_DIR = fileURLToPath(new URL('../topologies', import.meta.url));
export const SUITES_DIR = fileURLToPath(new URL('../suites', import.meta.url));

/** pinhole installed into a user's project (`npm install pinhole`), rather than its own checkout. */
export const INSTALLED_AS_DEPENDENCY = REPO_ROOT.split(sep).includes('node_modules');

/**
 * What pinhole unpacks and builds for itself (FTP server bundles, the probe agent's bundle):
 * PINHOLE_CACHE when set; in a checkout, its .cache/; installed as a dependency, the user's
 * cache ($XDG_CACHE_HOME/pinhole, ~/.cache/pinhole), outside node_modules so that `npm ci` in the
 * user's project does not throw it away. harness/setup/ftp-server-bundles.sh applies the same rule.
 */
export const CACHE_DIR =
  process.env.PINHOLE_CACHE ||
  (INSTALLED_AS_DEPENDENCY ? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pinhole') : join(REPO_ROOT, '.cache'));

/**
 * The node_modules directory pinhole's dependencies load from: the checkout's own, or the user's
 * project's where npm hoisted them (pinhole's own node_modules is then absent).
 */
export const NODE_MODULES_DIR = dirname(dirname(fileURLToPath(import.meta.resolve('tsx/package.json'))));
