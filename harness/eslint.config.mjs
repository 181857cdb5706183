// ESLint for pinhole: the direction of imports between harness/'s folders (README, "Layers").
// `npm run lint` runs it, and so does .ci/run. Kept inside harness/ because the project's top
// level is fixed; `eslint -c harness/eslint.config.mjs` names it.
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * harness/'s layers, lowest first. A module may import its own layer and the layers before it,
 * never one after it: the foundation knows no folder, a lab knows no scenario, a scenario no
 * reporter. Folders on one line are siblings and do not import each other.
 */
export const LAYERS = [
  ['harness/*.ts'], // the vocabulary and the cell contract, errors, exec, paths, YAML input
  ['harness/topology', 'harness/expectations'], // what the user wrote: topologies, --expect files
  ['harness/drivers'], // nodes as namespaces or containers
  ['harness/rulesets'], // applying a rule set to a node, reading it back
  ['harness/frontends'], // firewall frontends rendering a user's configuration into a rule set
  ['harness/nodes'], // services on nodes: FTP servers, agents, capture, drop observer
  ['harness/probes'], // clients: the pinned probe, curl, lftp
  ['harness/evidence'], // reading what the kernel knew: state, diagnosis, advice candidates, ladders
  ['harness/report'], // matrix, JSON, JUnit, HTML, the Playwright reporter
  ['harness/lab'], // a topology up with its services; reset between cells
  ['harness/scenarios'], // what a cell does on a lab, a file per scenario
  ['harness/cell'], // one cell the whole way: run, explain, advise, evidence
  ['harness/suite'], // Playwright fixtures and the suite kit the suites are written with
  ['harness/check'], // a user's check file: the cells it plans, and the spec that declares them
  ['harness/api'], // the library: pinhole/test, pinhole/lab, pinhole/contract
  ['harness/cli'], // the pinhole command
  ['harness/bench'], // npm run bench
];

const files = (layer) => layer.map((p) => (p.endsWith('.ts') ? `./${p}` : `./${p}/**`));

/** One zone per layer: everything after it is out of its reach. */
const layerZones = LAYERS.flatMap((layer, i) => {
  const later = LAYERS.slice(i + 1).flat();
  const zones = later.length > 0 ? [{ target: files(layer), from: files(later), message: `harness layers (README, "Layers"): ${layer.join(', ')} may not import a later layer.` }] : [];
  // Siblings on one line stay out of each other's way.
  for (const folder of layer.length > 1 ? layer : []) {
    zones.push({ target: files([folder]), from: files(layer.filter((f) => f !== folder)), message: `harness layers (README, "Layers"): ${layer.join(' and ')} are siblings and do not import each other.` });
  }
  return zones;
});

/** Suites are written with the suite kit and the vocabulary, nothing deeper. */
const suiteZone = {
  target: ['./suites/**'],
  from: [...files(LAYERS.slice(1).flat().filter((f) => f !== 'harness/suite')), './harness/!(model).ts'],
  message: 'suites import the suite kit (harness/suite/) and the vocabulary (harness/model.ts) only.',
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.cache/**', 'test-results/**', 'reports/**'] },
  {
    files: ['harness/**/*.ts', 'suites/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 'latest', sourceType: 'module' } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.mjs', '.js'] })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: [...layerZones, suiteZone] }],
      // An import that does not resolve would slip past the layers unseen.
      'import-x/no-unresolved': 'error',
      'import-x/no-cycle': 'error',
      // The few regular expressions that match control characters say so where they do.
      'no-control-regex': 'error',
    },
  },
);
