// Removes what `npm run build` wrote (harness/api/tsconfig.json): the .js beside each .ts source
// under harness/, and harness/declarations/. Files without a .ts source (the HTML report's scripts) stay.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HARNESS = fileURLToPath(new URL('..', import.meta.url));
rmSync(join(HARNESS, 'declarations'), { recursive: true, force: true });
for (const entry of readdirSync(HARNESS, { recursive: true, withFileTypes: true })) {
  const m = /^(.*)\.js$/.exec(entry.name);
  if (!entry.isFile() || !m) continue;
  const dir = entry.parentPath;
  if (existsSync(join(dir, `${m[1]}.ts`))) rmSync(join(dir, entry.name));
}
