/**
 * One cell's window on a lab, from the reset that opens it to the next reset: the rule set the
 * firewall holds, its expectation counters when the cell began, and what the cell's probes met.
 * Explaining a cell, advising on it and drawing its ladder read this record, not the lab.
 */
import type { ExpectCounters, RulesetListing } from '../rulesets/ruleset-listing.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import type { RuleHit } from '../cell-contract.ts';
import type { DropEvent } from '../nodes/drop-observer.ts';
import type { ProbeJob, ProbeReport } from '../probes/probe-protocol.ts';

/** Which connection of a probe job a dropped packet belongs to, and which end sent it. */
export interface DropRole {
  connection: 'control' | 'data';
  from: 'client' | 'server';
}

/** A drop judged to be a job's own packet (harness/scenarios/own-drops.ts). */
export interface OwnDrop extends DropEvent {
  role: DropRole;
  /** The deciding rule as the rule set's file says it, with its `file:line` (undefined where the node's rule set is not known). */
  hit?: RuleHit | undefined;
}

export interface CellWindow {
  ruleset: Ruleset;
  /** The firewall's expectation counters with the rule set applied and nothing in flight. */
  counters: ExpectCounters;
  /** The rule set as the firewall's kernel holds it, read when first needed. */
  listing: () => Promise<RulesetListing>;
  /** The first probe job of the cell that did not pass, with its report: what diagnosis reads. */
  failed?: { job: Omit<ProbeJob, 'id'>; report: ProbeReport };
  /** The drops that were the cell's own (scenarios/attempt.ts), for the ladder's wait on the capture and attribution. */
  drops: OwnDrop[];
  /**
   * Every probe job of the cell: where it dialled and the data endpoints it learnt (the same
   * array the job fills as it learns them), so the traced SYNs that were its own can be told
   * apart (harness/evidence/attribution.ts).
   */
  jobs: Array<{ host: string; port: number; endpoints: Array<{ host: string; port: number }>; active: boolean }>;
}
