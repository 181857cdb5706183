/**
 * The two kinds of failure that are not test verdicts. The CLI maps them to exit codes, so
 * a caller (CI) can tell "your input is wrong" from "this machine cannot run pinhole".
 */

/** Bad input: a topology, rule set or option that cannot be used. Exit code 2. */
export class InputError extends Error {
  readonly exitCode = 2;
  /** Every problem found, each already formatted as `file: place: message`. */
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join('\n'));
    this.name = 'InputError';
    this.problems = list;
  }
}

/** The host lacks something pinhole needs (root, a tool, network namespaces). Exit code 3. */
export class HostError extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}
