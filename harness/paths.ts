/** Where the repository's parts are, independent of the current directory. */
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TOPOLOGIES_DIR = fileURLToPath(new URL('../topologies', import.meta.url));
export const SUITES_DIR = fileURLToPath(new URL('../suites', import.meta.url));
