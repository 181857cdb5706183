/**
 * A lab that could not start a node's service, as a cause (`node-start-failed: node server:
 * vsftpd ... (log: /abs/path)`): suites report it on every cell of the lab, `explore` and `diff`
 * stop with it (exit 3, one line). The service's own words are kept in `logFile`, outside the
 * run directory that the failed lab's cleanup removes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError } from '../errors.ts';
import type { NodeStartError } from '../nodes/node-start-error.ts';

export class LabStartError extends HostError {
  constructor(
    cause: string,
    readonly logFile: string,
  ) {
    super(cause);
    this.name = 'LabStartError';
  }
}

/**
 * Keeps a service's output beside the JSON report's evidence (`<evidence>/lab-<topology>/`) and
 * turns the failure into a LabStartError naming the node and that file.
 */
export async function labStartError(err: NodeStartError, logsDir: string, topology: string, when = ''): Promise<LabStartError> {
  const dir = join(logsDir, `lab-${topology}`);
  const file = join(dir, `${err.node}-${err.service.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-|-$/g, '')}.log`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, err.log);
  return new LabStartError(`node-start-failed: node ${err.node}: ${err.service} did not start${when}: ${err.detail} (log: ${file})`, file);
}
