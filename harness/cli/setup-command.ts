/**
 * `pinhole setup`: makes this Debian host able to run pinhole, from wherever pinhole is (its own
 * checkout, or a user's project that installed it): the Debian packages the netns driver needs,
 * and pure-ftpd, proftpd and the firewall frontends unpacked into pinhole's cache (harness/paths.ts), by the same script
 * `npm run job` and `npm test` run (harness/setup/ensure-host.sh). Exit 3 with what is missing
 * when it cannot install it itself (not root, no apt).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from '../paths.ts';

export async function setupCommand(): Promise<number> {
  const script = join(REPO_ROOT, 'harness/setup/ensure-host.sh');
  const child = spawn('bash', [script], { stdio: 'inherit', env: { ...process.env, PINHOLE_CACHE: CACHE_DIR } });
  const code = await new Promise<number>((res) => child.on('exit', (c, s) => res(c ?? (s ? 128 : 1))));
  if (code === 0) process.stdout.write(`pinhole: this host can run pinhole (netns driver); FTP server bundles in ${join(CACHE_DIR, 'ftp-servers')}, firewall frontends in ${join(CACHE_DIR, 'frontends')}\n`);
  return code;
}
