/**
 * The shape of a `*.topo.yaml` file. Only what one value can say about itself lives here; facts
 * that relate several values (a segment named by an interface exists, addresses fit their
 * subnets, gateways are reachable) are checked in check-topology.ts, after this schema passed.
 *
 * Objects are strict: a misspelt key (`gatway:`) must be an error, not a silently ignored line.
 *
 * Over 300 lines on purpose: it is the whole topology format with each field's error message,
 * and write-json-schema.ts turns it into topology.schema.json for editors.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { SERVER_SOFTWARE } from '../model.ts';

export const NODE_KINDS = ['ftp-client', 'ftp-server', 'firewall', 'router', 'host'] as const;
/**
 * firewall: the one node the user's rule set is applied to. router: a plain forwarding (and
 * possibly NAT) gateway with no rule set under test. Both forward IPv4 and IPv6. host: a plain
 * end host with no FTP role, e.g. the third party an FTP bounce attack aims at.
 */
export type NodeKind = (typeof NODE_KINDS)[number];
/** Kinds whose interfaces may serve as another node's gateway. */
export const FORWARDING_KINDS: ReadonlySet<NodeKind> = new Set<NodeKind>(['firewall', 'router']);
/** Where a rule set under test may go: the forwarding path, or the FTP server's or client's own host. */
export const RULESET_KINDS: ReadonlySet<NodeKind> = new Set<NodeKind>(['firewall', 'router', 'ftp-server', 'ftp-client']);

/** A strict object whose unknown-key message lists what is allowed there. */
function strictObject<S extends z.ZodRawShape>(shape: S, validKeys = `valid keys here: ${Object.keys(shape).join(', ')}`) {
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? validKeys : undefined),
  });
}

/** A record that must have at least one entry (`minProperties` tells editors the same). */
function nonEmptyRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V, message: string) {
  return z
    .record(key, value)
    .refine((r) => Object.keys(r).length > 0, { error: message })
    .meta({ minProperties: 1 });
}

/*
 * Names become parts of Linux network namespace names (`pinhole-<run>-n-<node>`), which must
 * stay short and are later used as file names and argv elements: lower case, digits and dashes
 * only, so no shell metacharacter or path separator can ever get through.
 */
export const NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;

function nameSchema(what: 'topology' | 'node' | 'segment') {
  return z
    .string()
    .regex(NAME_PATTERN, {
      error: (iss) =>
        `invalid ${what} name ${JSON.stringify(iss.input)}: use 1-20 characters of lower-case letters, digits and '-', ` +
        `starting with a letter and not ending with '-' (names become parts of network namespace names)`,
    })
    .meta({ description: `${what} name: 1-20 of a-z 0-9 -, starting with a letter, not ending with -` });
}

/*
 * Linux interface names as the kernel takes them (dev_valid_name): 1 to IFNAMSIZ-1 = 15 bytes,
 * not `.` or `..`, no `/`, `:` or whitespace. So `eth0.100`, `ens18.100`, `enp3s0f1`, `br-lan`
 * and `wg0` are all valid: real rule sets name them. The drivers pass names as argv words (or to
 * `ip -batch` only when every word survives it), never through a shell. `lo` is the loopback
 * every namespace already has.
 */
export function interfaceNameProblem(name: string): string | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0) return 'an interface name cannot be empty';
  if (bytes > 15) return `interface name ${JSON.stringify(name)} is ${bytes} bytes; Linux allows at most 15`;
  if (name === '.' || name === '..') return `interface name ${JSON.stringify(name)} is not one Linux allows`;
  if (/[/:\s]/.test(name)) return `invalid interface name ${JSON.stringify(name)}: Linux allows no '/', ':' or whitespace in one`;
  if (name === 'lo') return 'interface name "lo" is reserved for the loopback interface';
  return undefined;
}

export const InterfaceNameSchema = z
  .string()
  .superRefine((name, ctx) => {
    const problem = interfaceNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: "Linux interface name: 1-15 bytes, not . or .., no '/', ':' or whitespace, not lo (eth0.100, br-lan, wg0)" });

/*
 * Addresses are checked with ipaddr.js, but stricter than its defaults: IPv4 only in dotted
 * quad (ipaddr would read `010.0.0.1` as octal and `0x7f.1` as 127.0.0.1, which `ip` and a
 * human reader would not) and IPv6 without a zone id (a zone is per-host, not topology data).
 */
type Family = 'IPv4' | 'IPv6';

function addressFamily(text: string): Family | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return 'IPv4';
  if (ipaddr.IPv6.isValid(text) && !text.includes('%')) return 'IPv6';
  return undefined;
}

function cidrFamily(text: string): Family | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const family = addressFamily(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (!family || !/^(?:0|[1-9][0-9]{0,2})$/.test(prefix)) return undefined;
  return Number(prefix) <= (family === 'IPv4' ? 32 : 128) ? family : undefined;
}

/** A single address, no prefix length: `192.168.10.254`, `2001:db8::1`. */
export const IpAddressSchema = z
  .string()
  .superRefine((text, ctx) => {
    if (addressFamily(text)) return;
    const hint = text.includes('/') && cidrFamily(text) ? ' (a single address, without a /prefix length)' : '';
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not an IPv4 or IPv6 address${hint}` });
  })
  .meta({ description: 'IPv4 or IPv6 address without prefix length', examples: ['192.168.10.254'] });

/** An interface address with its prefix length: `192.168.10.10/24`. */
export const HostCidrSchema = z
  .string()
  .superRefine((text, ctx) => {
    if (cidrFamily(text)) return;
    const family = addressFamily(text);
    const hint = family
      ? ` (add the segment's prefix length, e.g. ${text}/${family === 'IPv4' ? 24 : 64})`
      : ' (expected address/prefix, e.g. 192.168.10.10/24)';
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not an address with prefix length${hint}` });
  })
  .meta({ description: 'interface address with prefix length', examples: ['192.168.10.10/24'] });

/** A subnet: host bits must be zero, as `ip route` would print it. */
export const SubnetSchema = z
  .string()
  .superRefine((text, ctx) => {
    if (!cidrFamily(text)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a subnet (expected network/prefix, e.g. 192.168.10.0/24)` });
      return;
    }
    const [address, prefix] = ipaddr.parseCIDR(text);
    const network =
      address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
    if (network.toString() !== address.toString()) {
      ctx.addIssue({
        code: 'custom',
        message: `${text} is not a network address: host bits are set (did you mean ${network.toString()}/${prefix}?)`,
      });
    }
  })
  .meta({ description: 'subnet in CIDR notation, host bits zero', examples: ['192.168.10.0/24'] });

/**
 * Dual stack: one value, or a list of at most one per address family. The single form stays
 * valid, so every IPv4-only topology reads as it always did. What the list holds, in messages.
 */
interface PerFamilyWords {
  /** `a subnet` */
  one: string;
  /** `subnets` */
  many: string;
  /** `on one segment` */
  where: string;
  /** Why one per family: the sentence after the colon. */
  why: string;
}

function onePerFamily(item: z.ZodType<string, string>, familyOfItem: (text: string) => Family | undefined, words: PerFamilyWords) {
  const list = z
    .array(item)
    .min(1, { error: `an empty list: give ${words.one}, or a list of one IPv4 and one IPv6` })
    .superRefine((items, ctx) => {
      const first = new Map<Family, string>();
      items.forEach((text, i) => {
        const family = familyOfItem(text);
        if (!family) return;
        const earlier = first.get(family);
        if (earlier === undefined) first.set(family, text);
        else ctx.addIssue({ code: 'custom', path: [i], message: `two ${family} ${words.many} ${words.where} (${earlier} and ${text}): ${words.why}` });
      });
    })
    .meta({ maxItems: 2 });
  return z.union([item, list], {
    error: (iss) => (iss.code === 'invalid_union' ? `expected ${words.one} or a list of ${words.many} (at most one IPv4 and one IPv6)` : undefined),
  });
}

export const SegmentSchema = strictObject({
  subnet: onePerFamily(SubnetSchema, cidrFamily, {
    one: 'a subnet',
    many: 'subnets',
    where: 'on one segment',
    why: 'a segment has at most one subnet per address family',
  }).meta({ description: 'the segment\'s subnet, or a list of one IPv4 and one IPv6 subnet (dual stack)' }),
}).meta({
  description: 'An L2 segment (a bridge); every interface address on it must lie in its subnet of the same family',
});

export const InterfaceSchema = strictObject({
  // A plain string, not a name pattern: check-topology then says "unknown segment, known: ...".
  segment: z.string().meta({ description: 'name of a segment under `segments`' }),
  address: onePerFamily(HostCidrSchema, cidrFamily, {
    one: 'an address',
    many: 'addresses',
    where: 'on one interface',
    why: 'an interface has at most one address per address family',
  }).meta({ description: 'address/prefix, or a list of one IPv4 and one IPv6 address (dual stack)' }),
});

/*
 * Ports below 1024 are privileged and often reserved; passive data ports sit above them, as
 * vsftpd's pasv_min_port/pasv_max_port usually do.
 */
function dataPort(bound: 'min' | 'max') {
  const error = `passive ${bound} port must be a whole number from 1024 to 65535`;
  return z.int({ error }).min(1024, { error }).max(65535, { error });
}

export const PassivePortsSchema = strictObject({ min: dataPort('min'), max: dataPort('max') }).refine(
  (p) => p.min <= p.max,
  {
    error: (iss) => {
      const p = iss.input as { min: number; max: number };
      return `min (${p.min}) must not be greater than max (${p.max})`;
    },
  },
);

const PORT_ERROR = 'port must be a whole number from 1 to 65535';

export const FtpServerSchema = strictObject({
  software: z
    .enum(SERVER_SOFTWARE, { error: `unsupported FTP server software; supported: ${SERVER_SOFTWARE.join(', ')}` })
    .default('vsftpd'),
  port: z.int({ error: PORT_ERROR }).min(1, { error: PORT_ERROR }).max(65535, { error: PORT_ERROR }).default(21),
  passivePorts: PassivePortsSchema.default({ min: 50000, max: 50010 }),
  /**
   * Where clients dial the server when it is published through a port forward (DNAT) on a
   * router or firewall; by default its own first address.
   */
  publishedAt: IpAddressSchema.optional().meta({ description: 'the address clients dial (a port forward); default: the server\'s own first address' }),
  /** The port clients dial at publishedAt when the forward changes it (2121 -> 21); default: `port`. */
  publishedPort: z
    .int({ error: PORT_ERROR })
    .min(1, { error: PORT_ERROR })
    .max(65535, { error: PORT_ERROR })
    .optional()
    .meta({ description: 'the port clients dial at publishedAt when the port forward changes it (e.g. 2121 to the server\'s 21); default: port' }),
  /**
   * The size of the file the server offers to RETR; STOR uploads half as much. Large files keep
   * a data connection (and the control connection beside it) busy for longer than a handful of
   * segments; the default keeps cells fast.
   */
  testFileBytes: z
    .int({ error: 'testFileBytes must be a whole number of bytes' })
    .min(1, { error: 'testFileBytes must be at least 1' })
    .max(1 << 30, { error: 'testFileBytes must be at most 1073741824 (1 GiB)' })
    .optional()
    .meta({ description: 'the size in bytes of the file RETR downloads (STOR uploads half as much); default 262144' }),
  /** vsftpd pasv_address: the address announced in 227 replies instead of the server's own. */
  pasvAddress: IpAddressSchema.optional().meta({ description: 'address announced in 227 replies (vsftpd pasv_address)' }),
})
  .refine((f) => f.publishedPort === undefined || f.publishedAt !== undefined, {
    error: 'publishedPort needs publishedAt: the address of the port forward clients dial',
    path: ['publishedPort'],
  })
  // The control port inside the passive range would make the server race itself for the port.
  .refine((f) => f.port < f.passivePorts.min || f.port > f.passivePorts.max, {
    error: (iss) => {
      const f = iss.input as { port: number; passivePorts: { min: number; max: number } };
      return `control port ${f.port} lies inside the passive port range ${f.passivePorts.min}-${f.passivePorts.max}`;
    },
    path: ['port'],
  });

// The ids name these shared parts under $defs in topology.schema.json instead of copying them per kind.
const interfaces = nonEmptyRecord(InterfaceNameSchema, InterfaceSchema, 'a node needs at least one interface').meta({
  id: 'Interfaces',
  description: 'interface name -> segment and address; at least one',
});
const gateway = onePerFamily(IpAddressSchema, addressFamily, {
  one: 'a gateway address',
  many: 'gateways',
  where: 'for one node',
  why: 'a node has one default route per address family',
})
  .meta({
    id: 'Gateway',
    description: 'default route: an address of a firewall or router interface on a shared segment; or one IPv4 and one IPv6 such address (dual stack)',
  })
  .optional();

/*
 * The container image a node runs on the docker driver (the netns driver runs the host's own
 * tools). A user can name the very firewall image they ship; it needs ip, nft, conntrack and
 * sh (plus iptables-nft-restore for iptables rule sets). A Docker reference, never a path.
 */
const image = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._/:@-]*$/, { error: (iss) => `invalid image reference ${JSON.stringify(iss.input)}: expected e.g. registry/name:tag` })
  .optional()
  .meta({ description: 'docker driver: the image this node runs (default: the pinhole node image)' });

/*
 * A node's own fixed rule set (a home gateway's masquerade and FTP helper, the server's host
 * firewall while an edge firewall is under test): applied at bring-up and on every reset, and
 * replaced by the rule set under test on the node that carries it. A path relative to the
 * topology file; the loader makes it absolute and checks that it exists.
 */
const ruleset = z
  .string()
  .min(1)
  .optional()
  .meta({ description: "the node's own fixed rule set (nft or iptables-save), relative to this file; the rule set under test replaces it on the node that carries that" });

function plainNode<K extends Exclude<NodeKind, 'ftp-server'>>(kind: K) {
  return strictObject(
    { kind: z.literal(kind), interfaces, gateway, image, ruleset },
    `valid keys for ${kind === 'ftp-client' ? 'an' : 'a'} ${kind} node: kind, interfaces, gateway, image, ruleset (only ftp-server nodes take ftp settings)`,
  );
}

const FtpServerNodeSchema = strictObject(
  // prefault: a missing `ftp:` is parsed as `{}`, so each field gets its own default.
  { kind: z.literal('ftp-server'), interfaces, gateway, image, ruleset, ftp: FtpServerSchema.prefault({}) },
  'valid keys for an ftp-server node: kind, interfaces, gateway, image, ruleset, ftp',
);

export const NodeSchema = z.discriminatedUnion(
  'kind',
  [plainNode('ftp-client'), FtpServerNodeSchema, plainNode('firewall'), plainNode('router'), plainNode('host')],
  {
    error: (iss) => {
      if (iss.code !== 'invalid_union') return undefined;
      // The issue's input is the whole node; the offending value is its kind.
      const kind = (iss.input as { kind?: unknown } | undefined)?.kind;
      return kind === undefined
        ? `kind is required; valid kinds: ${NODE_KINDS.join(', ')}`
        : `unknown node kind ${JSON.stringify(kind)}; valid kinds: ${NODE_KINDS.join(', ')}`;
    },
  },
);

export const TopologySchema = strictObject({
  name: nameSchema('topology'),
  description: z.string().optional(),
  segments: nonEmptyRecord(nameSchema('segment'), SegmentSchema, 'a topology needs at least one segment'),
  nodes: nonEmptyRecord(nameSchema('node'), NodeSchema, 'a topology needs at least one node'),
  rulesetOn: nameSchema('node')
    .optional()
    .meta({
      description:
        'the node that carries the rule set under test unless `--on` says otherwise: a firewall or router (in the forwarding path), or the ftp-server or ftp-client itself (its own host firewall); default: the firewall node',
    }),
}).meta({
  title: 'pinhole topology',
  description: 'Nodes (FTP clients and servers, one firewall, optional routers) wired to L2 segments.',
});

export type TopologySpec = z.output<typeof TopologySchema>;
export type NodeSpec = z.output<typeof NodeSchema>;
export type InterfaceSpec = z.output<typeof InterfaceSchema>;
export type SegmentSpec = z.output<typeof SegmentSchema>;
export type FtpServerSpec = z.output<typeof FtpServerSchema>;

// Compile-time guard: NODE_KINDS and the variants of NodeSchema must name the same kinds.
const kindsAgree: [NodeKind, NodeSpec['kind']] extends [NodeSpec['kind'], NodeKind] ? true : never = true;
void kindsAgree;
