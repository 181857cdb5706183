/**
 * What a container needs to be the node the topology declares, beyond what Docker gives it: its
 * capabilities and sysctls at create time, then (inside it) the declared interface names, the
 * IPv6 addresses Docker does not know, and the topology's default routes instead of Docker's.
 */
import ipaddr from 'ipaddr.js';
import { cidrsOf, familyOf, gatewaysOf, hasFamily } from '../../topology/dual-stack.ts';
import { FORWARDING_KINDS, type NodeSpec } from '../../topology/schema.ts';
import type { NodeHandle } from '../driver.ts';
import { runIpCommands } from '../ip-commands.ts';
import type { DockerIpv4Plan } from './ipv4-plan.ts';

/** The link-local address the kernel derives from a MAC address (EUI-64, RFC 4291 appendix A). */
export function eui64LinkLocal(mac: string): string {
  const m = mac.split(':').map((h) => parseInt(h, 16));
  if (m.length !== 6 || m.some((b) => !(b >= 0 && b <= 255))) throw new Error(`not a MAC address: ${mac}`);
  const [a, b, c, d, e, f] = m as [number, number, number, number, number, number];
  return ipaddr.fromByteArray([0xfe, 0x80, 0, 0, 0, 0, 0, 0, a ^ 0x02, b, c, 0xff, 0xfe, d, e, f]).toString();
}

/** A dual-stack node's IPv6 settings; Docker's own default for its IPv4-only networks disables IPv6. */
const IPV6_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv6.conf.all.disable_ipv6': '0',
  'net.ipv6.conf.default.disable_ipv6': '0',
  'net.ipv6.conf.all.accept_ra': '0',
  'net.ipv6.conf.default.accept_ra': '0',
  'net.ipv6.conf.all.autoconf': '0',
  'net.ipv6.conf.default.autoconf': '0',
};

/** Forwarding on routers only: a container's namespace copies the host's ip_forward otherwise. */
export function sysctlsFor(node: NodeSpec): Record<string, string> {
  const ipv6 = hasFamily(node, 'ipv6');
  const forwards = FORWARDING_KINDS.has(node.kind);
  return {
    ...(ipv6 ? IPV6_SYSCTLS : {}),
    'net.ipv4.ip_forward': forwards ? '1' : '0',
    ...(ipv6 ? { 'net.ipv6.conf.all.forwarding': forwards ? '1' : '0' } : {}),
  };
}

/**
 * NET_ADMIN and NET_RAW everywhere (rule sets, routes, interface renames, tracing). On FTP
 * servers, what pure-ftpd needs (pure-ftpd-server.ts): SYS_ADMIN, because it serves the `ftp`
 * user's home to anonymous users and so runs in a private mount namespace with the node's FTP
 * root bind-mounted over that home (Docker's default seccomp profile allows unshare(CLONE_NEWNS)
 * and mount(2) exactly when the container has SYS_ADMIN); DAC_READ_SEARCH and SYS_NICE, because
 * it keeps them among the capabilities it sets at start and exits ("421 Unable to switch
 * capabilities") when the bounding set lacks them.
 */
export function capabilitiesFor(node: NodeSpec): string[] {
  return ['NET_ADMIN', 'NET_RAW', ...(node.kind === 'ftp-server' ? ['SYS_ADMIN', 'DAC_READ_SEARCH', 'SYS_NICE'] : [])];
}

/**
 * Inside the container: declared interface names, the IPv6 addresses Docker does not know, and
 * the topology's default routes, not Docker's.
 */
export async function shapeNode(node: NodeHandle, spec: NodeSpec, attached: DockerIpv4Plan['attachments'][string]): Promise<void> {
  const links = JSON.parse((await node.exec(['ip', '-j', 'addr', 'show'])).stdout) as Array<{ ifname: string; address: string; addr_info: Array<{ local: string }> }>;
  const cmds: string[][] = [];
  for (const [ifname, iface] of Object.entries(spec.interfaces)) {
    // Docker attached the interface with its IPv4 address: that finds it whatever Docker named it.
    const { address: ipv4, placeholder, prefix } = attached[ifname]!;
    const link = links.find((l) => l.addr_info.some((a) => a.local === ipv4));
    if (!link) throw new Error(`node ${node.name}: no interface carries ${ipv4}`);
    const current = link.ifname;
    const ipv6 = cidrsOf(iface).filter((c) => familyOf(c) === 'ipv6');
    /*
     * The kernel's link-local would be tentative for a second or two (duplicate address
     * detection, which a container's read-only /proc/sys cannot turn off per interface), and a
     * router cannot solicit neighbours for forwarded packets until it is not. Instead: the same
     * EUI-64 address, added without DAD, as the netns driver's nodes have it.
     */
    if (ipv6.length > 0) cmds.push(['link', 'set', 'dev', current, 'addrgenmode', 'none']);
    if (current !== ifname) cmds.push(['link', 'set', 'dev', current, 'down'], ['link', 'set', 'dev', current, 'name', ifname], ['link', 'set', 'dev', ifname, 'up']);
    if (ipv6.length > 0) cmds.push(['addr', 'flush', 'dev', ifname, 'scope', 'link'], ['addr', 'add', `${eui64LinkLocal(link.address)}/64`, 'dev', ifname, 'nodad']);
    // nodad: usable at once instead of tentative for a second or two.
    for (const cidr of ipv6) cmds.push(['addr', 'add', cidr, 'dev', ifname, 'nodad']);
    // Only Docker's: the topology gives this interface no IPv4 address (ipv4-plan.ts).
    if (placeholder) cmds.push(['addr', 'del', `${ipv4}/${prefix}`, 'dev', ifname]);
  }
  cmds.push(['route', 'flush', 'exact', '0.0.0.0/0']);
  if (hasFamily(spec, 'ipv6')) cmds.push(['route', 'flush', 'exact', '::/0']);
  for (const gateway of gatewaysOf(spec)) cmds.push(['route', 'add', 'default', 'via', gateway]);
  // One `docker exec` for all of it where `ip -batch` can read every name (ip-commands.ts).
  await runIpCommands(['ip'], cmds, async (argv, input) => {
    const r = await node.exec(argv, input === undefined ? {} : { input });
    if (r.code !== 0) throw new Error(`node ${node.name}: ${r.stderr.trim()}`);
  });
}
