/**
 * A node's service (the FTP server, the probe agent) that did not start. It carries what the
 * service said (its stderr, the tails of its logs) as text, because the node and its files are
 * removed when the failed lab is cleaned up: the lab keeps that text in a file of its own and
 * names it (harness/lab.ts, LabStartError).
 */
export class NodeStartError extends Error {
  constructor(
    readonly node: string,
    /** What did not start: `vsftpd`, `the probe agent`. */
    readonly service: string,
    /** One line: how it failed, with the service's own last word (`exited 2 ...: 500 OOPS: ...`). */
    readonly detail: string,
    /** Everything the service left: stderr, log tails, the config file's name. */
    readonly log: string,
  ) {
    super(`node ${node}: ${service} did not start: ${detail}`);
    this.name = 'NodeStartError';
  }
}

/** The last non-empty line of some output, trimmed: usually the program's own reason. */
export function lastWord(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
}
