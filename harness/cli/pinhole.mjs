#!/usr/bin/env node
// The `pinhole` command. TypeScript sources run through tsx's loader: no build step, so what
// is in the repository is exactly what runs.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
