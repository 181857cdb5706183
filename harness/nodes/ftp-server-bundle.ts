/**
 * Where pure-ftpd and proftpd live: unpacked from their Debian packages into the repository by
 * harness/setup/ftp-server-bundles.sh, because Debian's FTP servers conflict with each other and
 * only vsftpd is installed. The repository is bind-mounted at its own path into Docker nodes, so
 * one path serves both drivers.
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_DIR } from '../paths.ts';

export const BUNDLES_DIR = join(CACHE_DIR, 'ftp-servers');

/** A file of the bundle in use (`<server>` links to `<server>_<version>`); throws how to get it when missing. */
export async function bundleFile(server: 'pure-ftpd' | 'proftpd', path: string): Promise<string> {
  const file = join(BUNDLES_DIR, server, path);
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new Error(`${server} is not unpacked: ${file} is missing; run harness/setup/ftp-server-bundles.sh (npm test and npm run job run it through ensure-host.sh)`);
  }
  return file;
}
