/**
 * Candidate fixes in the frontend's own terms, for a transfer that no helper let through: what a
 * person changes in the configuration they keep, not in the rules it renders. Each candidate
 * edits a copy of the configuration; the caller renders the copy with the real frontend and
 * re-runs the cell, and only a change that makes the cell pass is advice (harness/cell/advise-cell.ts).
 *
 * Since Linux 6.0 nothing attaches a helper by itself, so every frontend needs a rule that does:
 * - firewalld: the `ftp` service (port 21 plus `<helper name="ftp"/>`) where port 21 is opened,
 *   and on a client host a policy from HOST with the service, since a zone's services act on
 *   what arrives, never on the host's own outgoing control connection (firewalld#1049);
 * - ufw: a raw `CT --helper ftp` rule in before.rules (ufw-framework(8)); ufw's IPT_MODULES
 *   only loads modules, which attaches nothing;
 * - ferm: `CT helper ftp` in table raw;
 * - FireHOL: FIREHOL_CONNTRACK_HELPERS_ASSIGNMENT="firehol", which makes it emit raw CT rules
 *   for its ftp statements; its default (`kernel`) relies on a sysctl gone since Linux 6.0;
 * - Shorewall: AUTOHELPERS=Yes with HELPERS=ftp (only the ftp helper, not all eleven), or a
 *   `CT:helper:ftp` line in its conntrack file.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CauseCode } from '../model.ts';
import type { FrontendKind } from './frontend-kinds.ts';

export type FrontendPlacement = 'forward' | 'server' | 'client';

export interface FrontendFixInput {
  kind: FrontendKind;
  /** The user's configuration (read, never written: fixes edit a copy). */
  config: string;
  code: CauseCode | undefined;
  placement: FrontendPlacement;
  /** The server's FTP port. */
  port: number;
  /** The frontend's unpacked tree, for files a configuration leaves at their shipped content. */
  tree: string;
}

export interface FrontendFix {
  /** What a person changes, in the frontend's terms, naming the file. */
  change: string;
  /** Makes the change in a copy of the configuration at `config`; false when it does not apply there. */
  edit(config: string): Promise<boolean>;
}

/** Causes a helper attached in the frontend's terms can fix. */
const HELPER_FIXES: ReadonlySet<CauseCode | undefined> = new Set<CauseCode | undefined>(['no-helper', 'helper-before-conntrack', 'nat-not-rewritten', 'firewall-drop']);

export async function frontendFixes(i: FrontendFixInput): Promise<FrontendFix[]> {
  if (!HELPER_FIXES.has(i.code)) return [];
  return FIXES[i.kind](i);
}

const NOTE = 'attach the FTP helper: since Linux 6.0 nothing attaches it by itself';

const FIXES: Record<FrontendKind, (i: FrontendFixInput) => FrontendFix[] | Promise<FrontendFix[]>> = {
  firewalld: async (i) => {
    // firewall-cmd writes port= first; a hand-written file may not.
    const port = new RegExp(`<port\\s+(?:port="${i.port}"\\s+protocol="tcp"|protocol="tcp"\\s+port="${i.port}")\\s*/>`);
    const withService: FrontendFix = {
      change: `use the ftp service where port ${i.port} is opened: <service name="ftp"/> instead of <port port="${i.port}" protocol="tcp"/> (the service attaches the ftp helper)`,
      async edit(config) {
        let changed = false;
        for (const dir of ['zones', 'policies']) {
          if (!existsSync(join(config, dir))) continue;
          for (const name of (await readdir(join(config, dir))).filter((n) => n.endsWith('.xml'))) {
            const file = join(config, dir, name);
            const xml = await readFile(file, 'utf8');
            if (!port.test(xml)) continue;
            await writeFile(file, xml.replace(port, '<service name="ftp"/>'));
            changed = true;
          }
        }
        return changed;
      },
    };
    // The zone the host's own traffic leaves through: its default zone, as firewalld.conf says.
    const conf = join(i.config, 'firewalld.conf');
    const zone = (existsSync(conf) ? /^DefaultZone=(\S+)/m.exec(await readFile(conf, 'utf8'))?.[1] : undefined) ?? 'public';
    const policy = `<policy target="CONTINUE">\n  <short>ftp-client</short>\n  <ingress-zone name="HOST"/>\n  <egress-zone name="${zone}"/>\n  <service name="ftp"/>\n</policy>`;
    const hostPolicy: FrontendFix = {
      change: `add policies/ftp-client.xml (a zone's ftp service acts on connections that arrive; this policy attaches the helper to the host's own outgoing control connections, firewalld#1049):\n${policy}`,
      async edit(config) {
        await mkdir(join(config, 'policies'), { recursive: true });
        await writeFile(join(config, 'policies', 'ftp-client.xml'), `<?xml version="1.0" encoding="utf-8"?>\n${policy}\n`);
        return true;
      },
    };
    return i.placement === 'client' ? [hostPolicy, withService] : [withService];
  },
  ufw: (i) => {
    const chain = i.placement === 'client' ? 'OUTPUT' : 'PREROUTING';
    const raw = `*raw\n:${chain} ACCEPT [0:0]\n-A ${chain} -p tcp --dport ${i.port} -j CT --helper ftp\nCOMMIT\n`;
    return [
      {
        change: `add to ufw/before.rules and ufw/before6.rules, after the *filter section's COMMIT (${NOTE}):\n${raw.trimEnd()}`,
        async edit(config) {
          for (const name of ['before.rules', 'before6.rules']) {
            const file = join(config, 'ufw', name);
            // A configuration that keeps the shipped file leaves it out: the fix goes into a copy of it.
            const text = existsSync(file) ? await readFile(file, 'utf8') : await readFile(join(i.tree, 'usr/share/ufw', name), 'utf8');
            await writeFile(file, `${text.replace(/\n*$/, '\n')}\n# ${NOTE}\n${raw}`);
          }
          return true;
        },
      },
    ];
  },
  ferm: (i) => {
    const line = `domain (ip ip6) table raw chain ${i.placement === 'client' ? 'OUTPUT' : 'PREROUTING'} proto tcp dport ${i.port} CT helper ftp;`;
    return [
      {
        change: `add to ferm.conf (${NOTE}):\n${line}`,
        async edit(config) {
          await appendFile(config, `\n# ${NOTE}\n${line}\n`);
          return true;
        },
      },
    ];
  },
  firehol: () => [
    {
      change: `add to firehol.conf, before its first interface or router: FIREHOL_CONNTRACK_HELPERS_ASSIGNMENT="firehol" (FireHOL then writes raw CT rules for its ftp statements; its default, kernel, relies on the nf_conntrack_helper sysctl, gone since Linux 6.0)`,
      async edit(config) {
        const text = await readFile(config, 'utf8');
        const lines = text.split('\n');
        const at = lines.findIndex((l) => /^\s*(?:interface|router)[46]?\s/.test(l));
        lines.splice(at < 0 ? 0 : at, 0, `# ${NOTE}`, 'FIREHOL_CONNTRACK_HELPERS_ASSIGNMENT="firehol"');
        await writeFile(config, lines.join('\n'));
        return true;
      },
    },
  ],
  shorewall: (i) => [
    {
      change: 'set in shorewall.conf: AUTOHELPERS=Yes and HELPERS=ftp (Shorewall then attaches the ftp helper on its port, and no other helper)',
      async edit(config) {
        const file = join(config, 'shorewall.conf');
        const text = existsSync(file) ? await readFile(file, 'utf8') : await readFile(join(i.tree, 'etc/shorewall/shorewall.conf'), 'utf8');
        const set = (t: string, key: string, value: string) => (new RegExp(`^${key}=.*$`, 'm').test(t) ? t.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`) : `${t.replace(/\n*$/, '\n')}${key}=${value}\n`);
        await writeFile(file, set(set(text, 'AUTOHELPERS', 'Yes'), 'HELPERS', 'ftp'));
        return true;
      },
    },
    {
      change: `add to conntrack: CT:helper:ftp:PO - - tcp ${i.port}`,
      async edit(config) {
        const file = join(config, 'conntrack');
        const text = existsSync(file) ? await readFile(file, 'utf8') : '?FORMAT 3\n';
        await writeFile(file, `${text.replace(/\n*$/, '\n')}# ${NOTE}\nCT:helper:ftp:PO\t-\t-\ttcp\t${i.port}\n`);
        return true;
      },
    },
  ],
};
