/**
 * transfer: one real transfer (RETR, STOR or LIST) in the cell's pinned mode, by the probe or a
 * real client, in clear or over one of FTPS's variants (the job's TLS fields, probes/probe-job.ts).
 * Its uploads are checked against what the server really stored.
 */
import { basename } from 'node:path';
import type { Lab } from '../lab/lab.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { Observation } from '../cell-contract.ts';
import type { FtpClient } from '../probes/ftp-client.ts';
import { probeJob } from '../probes/probe-job.ts';
import type { ProbeJob, ProbeReport } from '../probes/probe-protocol.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { attempt, routerRefusal } from './attempt.ts';
import { classify, type Evidence } from './classify.ts';
import type { CellAsk } from '../cell-contract.ts';
import type { ScenarioRun } from './scenario.ts';

export async function runTransfer(lab: Lab, ruleset: Ruleset, ask: CellAsk): Promise<ScenarioRun> {
  const window = await lab.openCell(ruleset);
  const job = probeJob(lab.jobTarget, lab.serverAddress(ask.family), ask.mode, ask.command, ask.tls, lab.controlPort(ask.family));
  const observation = await transferObserved(lab, window, job, await lab.clientFor(ask.client));
  return { observation: await lab.settled(observation), window };
}

/** One job run and classified: its drops, its uploads as stored, a router's own refusal. */
export async function transferObserved(lab: Lab, window: CellWindow, job: Omit<ProbeJob, 'id'>, client?: FtpClient): Promise<Observation> {
  const tried = await attempt(lab, window, job, client);
  const { report, drops } = tried;
  return classify({ report, drops, uploads: await checkUploads(lab, job, report), refusedByRouter: routerRefusal(lab, tried, job.mode) });
}

/** Each upload of a passed job, with what the server really stored. */
async function checkUploads(lab: Lab, job: Omit<ProbeJob, 'id'>, report: ProbeReport): Promise<NonNullable<Evidence['uploads']>> {
  if (report.failure) return [];
  const sent = report.uploads ?? (job.command === 'STOR' && report.sha256 ? [{ path: job.path, sha256: report.sha256 }] : []);
  return Promise.all(sent.map(async (u) => ({ path: u.path, sent: u.sha256, stored: await lab.storedSha256(basename(u.path)) })));
}
