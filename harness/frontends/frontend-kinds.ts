/**
 * The firewall frontends pinhole renders users' configurations with, what each reads as the
 * user keeps it in a repository, and how a configuration is named in reports.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
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

/**
 * A built-in suite's frontend configuration, from its directory `configs/<kind>-<name>/`: the
 * frontend is the name's first word, the configuration the file or directory inside with the
 * frontend's usual name (`ferm.conf`, `firehol.conf`, `shorewall/`), else the directory itself
 * (an /etc/firewalld tree, or an /etc-shaped one holding ufw/). undefined for another directory.
 */
export function suiteFrontendConfig(dir: string): FrontendConfig | undefined {
  const kind = FRONTEND_KINDS.find((k) => basename(dir).startsWith(`${k}-`));
  if (!kind) return undefined;
  const inside = join(dir, FRONTEND_READS[kind].usualName);
  return { kind, config: existsSync(inside) ? inside : dir };
}
