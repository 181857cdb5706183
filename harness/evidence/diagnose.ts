/**
 * From "the data SYN was dropped" to why: the firewall's conntrack state at the end of the cell
 * tells a missing helper from a helper that expected nothing, from an expectation the rule set
 * then refused; the control connection's NAT tells an unrewritten PORT address. Pure: the
 * rules are unit-tested on recorded states.
 */
import { isActiveMode, type Mode, type TlsMode } from '../model.ts';
import type { ConntrackEntry, FirewallState } from './firewall-state.ts';
import type { ExpectCounters } from '../rulesets/ruleset-listing.ts';
import { assignmentsBeforeConntrack, ruleText } from './nft-structure.ts';
import { endpoint } from '../topology/dual-stack.ts';

export interface DiagnosisInput {
  /** The classified cause, `code: detail`. */
  cause: string;
  mode: Mode;
  tls: TlsMode;
  /** Where the client dialled the control connection. */
  control: { host: string; port: number };
  /** The data endpoint PORT/EPRT announced (active) or 227/229 named (passive). */
  announced: { host: string; port: number } | undefined;
  firewall: string;
  /** The node whose rule set dropped the cell's first refused SYN, when one did. */
  dropAt?: string | undefined;
  /** Expectation counters when the cell started, and the state when it ended. */
  before: ExpectCounters;
  state: FirewallState;
}

function split(cause: string): { code: string; detail: string } {
  const i = cause.indexOf(': ');
  return i < 0 ? { code: cause, detail: '' } : { code: cause.slice(0, i), detail: cause.slice(i + 2) };
}

/** The control connection's entry: the one the client dialled (before any DNAT). */
export function controlEntry(entries: readonly ConntrackEntry[], control: { host: string; port: number }): ConntrackEntry | undefined {
  return entries.find((e) => e.proto === 'tcp' && e.orig.dst === control.host && e.orig.dport === control.port);
}

const tuple = (t: { src: string; sport: number; dst: string; dport: number }) => `${endpoint(t.src, t.sport)} -> ${endpoint(t.dst, t.dport)}`;

/** The refined cause, or the classified one when the evidence says nothing more. */
export function diagnose(d: DiagnosisInput): string {
  const { code, detail } = split(d.cause);
  const ctl = controlEntry(d.state.entries, d.control);
  const created = d.state.counters.created - d.before.created;
  const matched = d.state.counters.matched - d.before.matched;

  // Another node's own fixed rule set (a server's host firewall behind the edge under test)
  // dropped it: the firewall's conntrack says nothing about that node's state.
  if (code === 'firewall-drop' && d.dropAt !== undefined && d.dropAt !== d.firewall) {
    return `fixed-ruleset-drop: ${detail}: the topology's own rule set on ${d.dropAt}, not the rule set under test on ${d.firewall}`;
  }
  // Only a data SYN's drop speaks of the helper: a later packet's means the SYN got through.
  const dataSynDrop = code === 'firewall-drop' && detail.startsWith('data connection: SYN ');
  // The control connection crossed, yet conntrack holds no entry for it: it was not tracked
  // (a `notrack` rule, or iptables' `-j CT --notrack`, which nft lists as notrack).
  const untracking = dataSynDrop && !ctl ? d.state.ruleset.split('\n').find((l) => /\bnotrack\b/.test(l)) : undefined;
  if (untracking) {
    const rule = untracking.replace(/\s*# handle \d+$/, '').trim();
    return `no-helper: conntrack holds no entry for the control connection to ${endpoint(d.control.host, d.control.port)}: it is not tracked (rule '${rule}'), so no helper can read its commands and nothing expected the data connection: ${detail.slice('data connection: '.length)}`;
  }
  if (dataSynDrop && ctl) {
    const drop = detail.slice('data connection: '.length);
    if ((d.tls === 'explicit' || d.tls === 'implicit') && created === 0) {
      const how = d.tls === 'implicit' ? 'TLS from the first byte (implicit FTPS)' : 'AUTH TLS';
      return `tls-blind: the control connection is encrypted (${how}), so no helper can read the ${isActiveMode(d.mode) ? 'PORT/EPRT command' : '227/229 reply'} and no expectation was created; only a static rule can let the data connection through: ${drop}`;
    }
    if (!ctl.helper) {
      const early = assignmentsBeforeConntrack(d.state.structure)[0];
      if (early) {
        const text = ruleText(d.state.ruleset, early) ?? `ct helper set "${early.helper}"`;
        return `helper-before-conntrack: rule '${text}' in chain ${early.family} ${early.table} ${early.chain} (hook ${early.hook}, priority ${early.prio}) runs before connection tracking (priority -200), so there is no connection yet to attach the helper to; conntrack shows the control connection ${tuple(ctl.orig)} without helper=ftp: ${drop}`;
      }
      return `no-helper: conntrack shows the control connection ${tuple(ctl.orig)} without helper=ftp, so nothing expected the data connection (since Linux 6.0 a helper must be attached by a rule): ${drop}`;
    }
    if (created === 0) {
      return `no-expectation: the control connection carries helper=${ctl.helper}, but the helper created no expectation for ${d.announced ? `the announced ${d.announced.host}:${d.announced.port}` : 'this transfer'} (it ignores an address that is not the control connection's own): ${drop}`;
    }
    if (matched > 0) {
      return `firewall-drop: the data connection arrived as the helper expected it (RELATED), but no rule accepts it: ${drop}`;
    }
    const left = d.state.expectations[0];
    return `no-expectation: the helper created an expectation${left ? ` (${left.trim()})` : ''}, but the data SYN did not match it: ${drop}`;
  }

  // An active-mode address the server refused or could not use, while the firewall NATs the
  // control connection: the PORT/EPRT line still names an address the server does not see.
  const refusedActive = (code === 'server-refused' || (code === 'data-refused-at-router' && detail.includes('not the announced'))) && isActiveMode(d.mode);
  if (refusedActive && ctl && d.announced && d.announced.host !== ctl.reply.dst) {
    const nat = ctl.reply.dst !== ctl.orig.src ? `${d.firewall} translates the control connection's source ${ctl.orig.src} to ${ctl.reply.dst}` : `the control connection reaches ${d.firewall} from ${ctl.orig.src}`;
    const why = ctl.helper
      ? `the helper on ${d.firewall} ignores an address that is not the connection's own (an earlier NAT without FTP helper changed the source and left the line alone)`
      : `no FTP helper is attached to the control connection, and nf_nat_ftp rewrites the line only through one`;
    return `nat-not-rewritten: ${d.mode} named ${d.announced.host}, but ${nat}, so the server sees a private address: ${why}: ${detail}`;
  }

  // The client dialled a passive address nobody forwards, while a helper watched: the reply
  // named an address the helper would not expect (not the server's own), so nothing opened.
  if (code === 'data-refused-at-router' && !isActiveMode(d.mode) && ctl?.helper && created === 0) {
    return `no-expectation: the control connection carries helper=${ctl.helper}, but the 227/229 reply named ${d.announced ? `${d.announced.host}:${d.announced.port}` : 'an address'}, not the server's own, so the helper created no expectation and nothing forwards that port: ${detail}`;
  }
  return d.cause;
}
