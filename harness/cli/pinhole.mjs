#!/usr/bin/env node
// The `pinhole` command. TypeScript sources run through tsx's loader: no build step, so what
// is in the repository is exactly what runs.

// Ctrl-C while the sources load: nothing exists yet. main.ts puts the real handler in its place
// (harness/cli/interrupt.ts). The listener itself stays: removing it would stop its libuv signal
// handle, and a signal caught but not yet dispatched to JavaScript would be dropped with it.
const early = (signal) => {
  process.stderr.write(`\npinhole: interrupted by ${signal} while starting; nothing had been created yet\n`);
  process.exit(130);
};
globalThis.pinholeOnSignal = early;
const dispatch = (signal) => globalThis.pinholeOnSignal(signal);
process.on('SIGINT', dispatch);
process.on('SIGTERM', dispatch);

// Loaded after the handler is in place (a static import would load first).
const { register } = await import('tsx/esm/api');
register();
await import('./main.ts');
