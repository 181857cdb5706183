/**
 * A real pure-ftpd in the server node, configured like vsftpd: anonymous only, the test file to
 * download, `upload/` for STOR, the topology's control port, pinned passive range and announced
 * passive address, and no FXP (PORT/EPRT must name the control peer: bounce protection).
 *
 * pure-ftpd has no setting for the anonymous root: it serves the home directory of the system
 * user `ftp` (getpwnam). pinhole must not write into that directory (the host's /srv/ftp on
 * the netns driver), so pure-ftpd runs in a private mount namespace of its own in which the
 * node's FTP root is bind-mounted over that home; the mount dies with the server's processes.
 */
import { join } from 'node:path';
import type { NodeHandle } from '../drivers/driver.ts';
import type { FtpServerSettings } from './ftp-server.ts';
import { bundleFile } from './ftp-server-bundle.ts';
import { FtpServerProcess, launchServer, prepareFtpRoot } from './ftp-server-process.ts';

/**
 * Runs in the private mount namespace: mounts the FTP root ($1) over the ftp user's home, then
 * becomes the server ("$@" after the shift) with the console file ($2) as its standard input.
 * `mount --bind` does not propagate out: `unshare --propagation private` made every mount in
 * the namespace private first. pure-ftpd writes its fatal start-up replies ("421 ...") to file
 * descriptor 0, as if to an inetd client: a file opened read-write there keeps them as evidence
 * (and is no socket, which would make pure-ftpd serve it as an inetd connection).
 */
const FTP_ROOT_AS_FTP_HOME = [
  'home=$(getent passwd ftp | cut -d: -f6)',
  'if [ -z "$home" ] || [ ! -d "$home" ]; then echo "the ftp user has no home directory to mount the FTP root over (pure-ftpd serves that home to anonymous users)" >&2; exit 1; fi',
  'mount --bind "$1" "$home" || exit 1',
  'console=$2',
  'shift 2',
  'exec "$@" 0<>"$console"',
].join('\n');

function pureFtpdOptions(s: FtpServerSettings, log: string): string[] {
  return [
    // Every address, IPv4 and IPv6, on the topology's control port.
    '--bind', `,${s.port}`,
    '--anonymousonly',
    // pure-ftpd admits at most half as many sessions as the range has ports (5 for 50000-50010):
    // endSessions keeps aborted cells from using them up.
    '--passiveportrange', `${s.passivePorts.min}:${s.passivePorts.max}`,
    ...(s.pasvAddress ? ['--forcepassiveip', s.pasvAddress] : []),
    // Uploaded files 644, directories 755: vsftpd's anon_umask=022.
    '--umask', '133:022',
    '--dontresolve',
    // No syslog (a node has none, and the host's must not get pinhole's traffic); transfers are logged to the node's file.
    '--syslogfacility', 'none',
    '--altlog', `clf:${log}`,
    // FXP stays off (no --allowanonymousfxp): a PORT/EPRT naming another host than the control peer is refused.
  ];
}

export class PureFtpdServer extends FtpServerProcess {
  readonly kind = 'pure-ftpd';

  static async start(node: NodeHandle, settings: FtpServerSettings): Promise<PureFtpdServer> {
    const binary = await bundleFile('pure-ftpd', 'usr/sbin/pure-ftpd');
    const { root, info } = await prepareFtpRoot(node, settings);
    const log = join(node.workDir, 'pure-ftpd.log');
    const consoleFile = join(node.workDir, 'pure-ftpd.console');
    // unshare without --fork execs in place, so the pid stays the one launchServer reports.
    const argv = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', FTP_ROOT_AS_FTP_HOME, 'pure-ftpd-root', root, consoleFile, binary, ...pureFtpdOptions(settings, log)];
    const launched = await launchServer(node, { software: 'pure-ftpd', argv, port: settings.port, logFiles: [consoleFile, log] });
    return new PureFtpdServer(node, info, [launched], log);
  }
}
