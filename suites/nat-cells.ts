/**
 * The cell builder the two NAT suites share (ftp-dnat, ftp-double-nat). Both judge port-forward
 * rule sets on several topologies, one spec file per topology (a worker and a lab each), so both
 * need the same thing: a function from a topology's name to its rows of the suite's truth table.
 * It lives in suites/, beside the suites that use it, because it only composes the harness; each
 * suite keeps its own picture, truth table and rule sets.
 */
import { defineTruthTable, type ModeTruth } from '../harness/suite/suite-kit.ts';

/** Topology -> rule set file (relative to the suite's folder) -> expectation per mode (PORT, EPRT, PASV, EPSV). */
export type NatTruth = Readonly<Record<string, ReadonlyArray<[string, ModeTruth]>>>;

export interface NatSuite {
  suite: string;
  /** The suite's folder, which its rule set files are relative to. */
  suiteDir: string;
  truth: NatTruth;
  tags: string[];
}

/** `defineCells(topology)` for one NAT suite: the cells of that topology, for its spec file to call. */
export function natCellsOf({ truth, ...suite }: NatSuite): (topology: string) => void {
  return (topology) => defineTruthTable({ ...suite, topology, rows: truth[topology] ?? [] });
}
