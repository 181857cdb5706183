/**
 * Dual stack in a topology: a segment's `subnet`, an interface's `address` and a node's
 * `gateway` are each one value or a list with at most one per address family. Everything that
 * reads a topology goes through these, so the single-string form and the list read alike.
 */
import ipaddr from 'ipaddr.js';
import type { Family } from '../model.ts';
import type { InterfaceSpec, NodeSpec, SegmentSpec } from './schema.ts';

/** How messages name a family. */
export const FAMILY_NAME: Readonly<Record<Family, string>> = { ipv4: 'IPv4', ipv6: 'IPv6' };

/** One value or a list of them, as a list. */
export function listOf<T extends string>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** The family of an address or of a CIDR (`192.168.10.10`, `2001:db8::1/64`). */
export function familyOf(addressOrCidr: string): Family {
  return addressOrCidr.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * An address without its prefix length, written the way the kernel, nft and Node.js print it
 * (RFC 5952 for IPv6: lower case, longest zero run compressed), so a trace line or a socket's
 * address compares equal to the topology's however the YAML spelt it.
 */
/** `203.0.113.10:21`, `[2001:db8:20::10]:21`: an IPv6 address is bracketed before its port (RFC 5952, section 6). */
export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function canonicalAddress(addressOrCidr: string): string {
  const address = addressOrCidr.split('/')[0] ?? addressOrCidr;
  if (familyOf(address) === 'ipv4') return address;
  return (ipaddr.parse(address) as ipaddr.IPv6).toRFC5952String();
}

export const subnetsOf = (segment: SegmentSpec): string[] => listOf(segment.subnet);
export const cidrsOf = (iface: InterfaceSpec): string[] => listOf(iface.address);
export const gatewaysOf = (node: NodeSpec): string[] => listOf(node.gateway);

/** Every address of a node, canonical and without prefix length. */
export function addressesOf(node: NodeSpec): string[] {
  return Object.values(node.interfaces).flatMap((i) => cidrsOf(i).map(canonicalAddress));
}

/** Whether a node has any address of `family`. */
export const hasFamily = (node: NodeSpec, family: Family): boolean => addressesOf(node).some((a) => familyOf(a) === family);

/**
 * An interface's address of `family`, canonical and without prefix length; with no family, its
 * IPv4 address if it has one (what a single-stack reader of the topology always got), else its
 * first. Undefined when it has none of that family.
 */
export function addressOfInterface(iface: InterfaceSpec, family?: Family): string | undefined {
  const addresses = cidrsOf(iface).map(canonicalAddress);
  if (family) return addresses.find((a) => familyOf(a) === family);
  return addresses.find((a) => familyOf(a) === 'ipv4') ?? addresses[0];
}
