/**
 * Verified advice: the smallest rule change that makes a blocked transfer pass, proven by running
 * the cell again (through its CellRunner) with the change applied. Candidates come from
 * harness/evidence/advise.ts; a candidate that does not make the cell pass is never advice.
 */
import { adviceCandidates, type Placement } from '../evidence/advise.ts';
import type { FirewallState } from '../evidence/firewall-state.ts';
import { causeCode, type CauseCode, type Family } from '../model.ts';
import { InputError } from '../errors.ts';
import { frontendFixes } from '../frontends/frontend-advice.ts';
import type { FrontendKind } from '../frontends/frontend-kinds.ts';
import { copyOfConfig, frontendTree, renderFrontend } from '../frontends/render-frontend.ts';
import { rulesetOfRendering } from '../frontends/ruleset-source.ts';
import type { Advice, CellAsk, Observation } from '../cell-contract.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import type { AdviceMode } from '../run-config.ts';
import type { CellRunner } from '../scenarios/scenario.ts';
import { movesData } from './explain-cell.ts';

/** Candidates tried per cell at most: each is a whole re-run. */
const MAX_ADVICE_TRIES = 3;

/**
 * The server as the advice's rules must name it: its own address in the cell's family, its port
 * and passive range; and where the rule set sits (a router, or the server's or client's own host).
 */
export interface AdvisedServer {
  family: Family;
  address: string;
  port: number;
  passivePorts: { min: number; max: number };
  placement: Placement;
}

/**
 * The change that fixed an earlier cell of the same rule set, cause, mode, family and TLS variant
 * is tried first: cells of one row usually share their fix. Only an order: every candidate is
 * verified all the same.
 */
const hints = new Map<string, string>();

/** `mode`: `verify` re-runs each candidate; `suggest` names the first without re-running; `off` gives none. */
export async function adviseCell(o: Observation, ask: CellAsk, ruleset: Ruleset, state: FirewallState | undefined, server: AdvisedServer, runner: CellRunner, mode: AdviceMode, laterPacket = false): Promise<Advice | null> {
  if (mode === 'off' || o.outcome !== 'blocked' || !movesData(ask) || !state) return null;
  const code = causeCode(o.cause);
  if (ruleset.frontend) return adviseFrontend(code, ruleset, server, runner, mode);
  const candidates = adviceCandidates({
    code,
    mode: ask.mode,
    family: server.family,
    tls: ask.tls ?? 'none',
    format: ruleset.format,
    structure: state.structure,
    server: { address: server.address, port: server.port, passivePorts: server.passivePorts },
    placement: server.placement,
    laterPacket,
  });
  if (candidates.length === 0) return null;
  if (mode === 'suggest') return { change: candidates[0]!.change, verified: false };
  const key = JSON.stringify([ruleset.file, server.placement, server.address, code, ask.mode, server.family, ask.tls ?? 'none']);
  const hint = hints.get(key);
  const ordered = [...candidates].sort((a, b) => Number(b.change === hint) - Number(a.change === hint));
  for (const c of ordered.slice(0, MAX_ADVICE_TRIES)) {
    const again = await runner.run({ ...ruleset, text: c.apply(ruleset.text) });
    if (again.observation.outcome === 'pass') {
      hints.set(key, c.change);
      return { change: c.change, verified: true };
    }
  }
  return null;
}

/**
 * A rendered rule set is fixed where the user keeps it: the configuration, in the frontend's
 * terms (harness/frontends/frontend-advice.ts). Each candidate edits a copy, the real frontend
 * renders it, and the cell runs again on that rendering.
 */
async function adviseFrontend(code: CauseCode | undefined, ruleset: Ruleset, server: AdvisedServer, runner: CellRunner, mode: AdviceMode): Promise<Advice | null> {
  const kind = ruleset.frontend!.kind as FrontendKind;
  const config = { kind, config: ruleset.frontend!.config };
  const fixes = await frontendFixes({ ...config, code, placement: server.placement, port: server.port, tree: (await frontendTree(kind)).tree });
  if (fixes.length === 0) return null;
  if (mode === 'suggest') return { change: fixes[0]!.change, verified: false };
  const key = JSON.stringify([config, server.placement, code]);
  const hint = hints.get(key);
  for (const fix of [...fixes].sort((a, b) => Number(b.change === hint) - Number(a.change === hint)).slice(0, MAX_ADVICE_TRIES)) {
    await using copy = await copyOfConfig(config);
    if (!(await fix.edit(copy.config))) continue;
    let changed: Ruleset;
    try {
      changed = rulesetOfRendering(await renderFrontend(copy));
    } catch (err) {
      // The frontend refused the change: not advice, whatever the reason.
      if (err instanceof InputError) continue;
      throw err;
    }
    if ((await runner.run(changed)).observation.outcome === 'pass') {
      hints.set(key, fix.change);
      return { change: fix.change, verified: true };
    }
  }
  return null;
}
