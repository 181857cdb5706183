/**
 * `pinhole doctor`: what this host has and lacks, per driver, and how to fix each gap.
 * Exit 0 when the default driver can run, 3 when it cannot.
 */
import { existsSync } from 'node:fs';
import { DockerDriver } from '../drivers/docker/docker-driver.ts';
import { imageExists, nodeImageRecipe } from '../drivers/docker/node-image.ts';
import { NetnsDriver } from '../drivers/netns/netns-driver.ts';
import { onPath } from '../on-path.ts';
import { FRONTEND_KINDS, type FrontendKind } from '../model.ts';
import { frontendTree } from '../frontends/render-frontend.ts';

/**
 * Kernel parts the FTP cells rely on. A loaded module, or a built-in one with parameters, shows
 * under /sys/module; a built-in without parameters (often nf_nat_ftp) does not, and is then
 * proven only by the helper-masquerade cells passing.
 */
const KERNEL_MODULES: ReadonlyArray<[string, string]> = [
  ['nf_conntrack_ftp', 'the FTP conntrack helper (expectations for data connections)'],
  ['nf_nat_ftp', 'FTP NAT rewriting of PORT/EPRT and 227/229 (masquerade rule sets)'],
];

export async function doctorCommand(): Promise<number> {
  const lines: string[] = [];
  const netns = new NetnsDriver();
  const problems = await netns.preflight();
  lines.push(`netns driver (default): ${problems.length === 0 ? 'ready' : 'NOT ready'}`);
  for (const p of problems) lines.push(`  ✗ ${p.what} — fix: ${p.fix}`);
  if (problems.length === 0) lines.push('  ✓ root, iproute2, util-linux, nftables, iptables (nft backend), conntrack, vsftpd, curl, lftp');
  for (const [mod, why] of KERNEL_MODULES) {
    const present = existsSync(`/sys/module/${mod}`);
    lines.push(`  ${present ? '✓' : '?'} ${mod}: ${why}${present ? '' : ' — not visible: built in without parameters, or loaded on first use; the helper-masquerade cells prove it'}`);
  }
  lines.push(...(await frontendLines()));
  lines.push(...(await dockerLines()));
  process.stdout.write(lines.join('\n') + '\n');
  return problems.length === 0 ? 0 : 3;
}

/** What each frontend runs on, beside its unpacked packages (harness/setup/frontend-bundles.sh). */
const FRONTEND_RUNS_ON: Readonly<Record<FrontendKind, string[]>> = {
  firewalld: ['python3', 'dbus-daemon'],
  ufw: ['python3'],
  ferm: ['perl'],
  firehol: ['bash'],
  shorewall: ['perl', 'bc'],
};

/** The firewall frontends a check's `frontend:` renders with: unpacked, and what they run on. */
async function frontendLines(): Promise<string[]> {
  const lines = ['firewall frontends (a check\'s frontend:, explore --frontend):'];
  for (const kind of FRONTEND_KINDS) {
    const found = await Promise.all(FRONTEND_RUNS_ON[kind].map(onPath));
    const missing = FRONTEND_RUNS_ON[kind].filter((_, n) => !found[n]);
    try {
      const { tree, version } = await frontendTree(kind);
      lines.push(
        missing.length === 0
          ? `  ✓ ${kind} ${version} (${tree})`
          : `  ✗ ${kind} ${version}: ${missing.join(', ')} missing — fix: pinhole setup (as root) installs what it runs on`,
      );
    } catch {
      lines.push(`  ✗ ${kind} not unpacked — fix: pinhole setup (as root) unpacks it into pinhole's cache`);
    }
  }
  return lines;
}

async function dockerLines(): Promise<string[]> {
  const docker = new DockerDriver();
  const problems = await docker.preflight();
  const lines = [`docker driver: ${problems.length === 0 ? 'ready' : 'NOT ready'}`];
  const engine = problems.find((p) => p.what.startsWith('no Docker engine'));
  if (engine) return [...lines, `  ✗ ${engine.what} — fix: ${engine.fix}`];
  const version = await docker.docker.version();
  lines.push(`  ✓ Docker engine ${version.Version} (API ${version.ApiVersion})`);
  const recipe = await nodeImageRecipe();
  lines.push(
    (await imageExists(docker.docker, recipe.tag))
      ? `  ✓ node image ${recipe.tag} built`
      : `  - node image ${recipe.tag} not built yet: the first Docker run builds it (about 20 s), or run \`pinhole images build\``,
  );
  for (const p of problems) lines.push(`  ✗ ${p.what} — fix: ${p.fix}`);
  return lines;
}
