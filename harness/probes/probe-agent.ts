/**
 * The probe agent: a long-lived process inside the client node that runs probe jobs read from
 * standard input (one JSON line each) and answers one JSON line per job. One Node.js start per
 * topology instead of one per cell keeps a passing cell near the cost of its packets.
 */
import { createInterface } from 'node:readline';
import { FtpProbe } from './ftp-probe.ts';
import type { AgentRequest } from './probe-protocol.ts';

const running = new Map<number, FtpProbe>();

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line) as AgentRequest;
  if (req.type === 'abort') {
    running.get(req.id)?.abort();
    return;
  }
  const id = req.job.id;
  const probe = new FtpProbe(req.job, (dataEndpoint) => process.stdout.write(JSON.stringify({ id, progress: { dataEndpoint } }) + '\n'));
  running.set(req.job.id, probe);
  void probe.run().then((report) => {
    running.delete(req.job.id);
    process.stdout.write(JSON.stringify(report) + '\n');
  });
}).on('close', () => process.exit(0));

process.stdout.write(JSON.stringify({ ready: true }) + '\n');
