#!/usr/bin/env node
// The `pinhole` command. TypeScript sources run through tsx's loader: no build step, so what
// is in the repository is exactly what runs.
import { register } from 'tsx/esm/api';

// Ctrl-C while the sources load: nothing exists yet. main.ts replaces this with the real handler.
const early = (signal) => {
  process.stderr.write(`\npinhole: interrupted by ${signal} while starting; nothing had been created yet\n`);
  process.exit(130);
};
process.on('SIGINT', early);
process.on('SIGTERM', early);
globalThis.pinholeEarlySignalHandler = early;

register();
await import('./main.ts');
