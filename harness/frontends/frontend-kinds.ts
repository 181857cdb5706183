/**
 * The firewall frontends pinhole renders users' configurations with, what each reads as the
 * user keeps it in a repository, and how a configuration is named in reports.
 */
import { basename, dirname, extname } from 'node:path';
import { FRONTEND_KINDS, type FrontendKind } from '../model.ts';

export { FRONTEND_KINDS, type FrontendKind };

export interface FrontendReads {
  shape: 'file' | 'directory';
  /** What the configuration is, in the user's words. */
  reads: string;
  /** The name the configuration has on a live system: a report names such a config by its directory. */
  usualName: string;
}

export const FRONTEND_READS: Readonly<Record<FrontendKind, FrontendReads>> = {
  firewalld: { shape: 'directory', reads: 'the /etc/firewalld directory (firewalld.conf, zones/, policies/, services/, helpers/)', usualName: 'firewalld' },
  ufw: { shape: 'directory', reads: 'a directory shaped like /etc, holding ufw/ (ufw.conf, user.rules, before.rules...) and default/ufw', usualName: 'etc' },
  ferm: { shape: 'file', reads: 'ferm.conf', usualName: 'ferm.conf' },
  firehol: { shape: 'file', reads: 'firehol.conf', usualName: 'firehol.conf' },
  shorewall: { shape: 'directory', reads: 'the /etc/shorewall directory (a shorewall6 directory beside it renders IPv6 too)', usualName: 'shorewall' },
};

/** A user's frontend configuration: which frontend reads it, and where it is (absolute). */
export interface FrontendConfig {
  kind: FrontendKind;
  config: string;
}

/**
 * The configuration's name in reports, as a rule set file's name is its file name:
 * `edge/firewalld` is `edge`, `ferm-router/ferm.conf` is `ferm-router`, `office.conf` is `office`.
 */
export function frontendConfigName(c: FrontendConfig): string {
  const own = basename(c.config);
  const named = own === FRONTEND_READS[c.kind].usualName ? basename(dirname(c.config)) : basename(own, extname(own));
  return named || c.kind;
}
