/**
 * How a run goes, as one typed value. It is built in one place (runConfigOf: the command's flags
 * over the few documented environment overrides CI needs, or a library user's `test.use`), then
 * handed on whole: to `explore` and `diff` as a parameter, and to Playwright (`run`, `check`) in
 * one environment variable its configuration reads back and gives its workers through an option
 * fixture (harness/suite/fixtures.ts). Nothing else of a run is read from the environment.
 */
import { z } from 'zod';
import { InputError } from './errors.ts';
import type { DriverName } from './model.ts';

/** Which cells keep evidence files beside the JSON report (harness/evidence/retention.ts). */
export const EVIDENCE_POLICIES = ['failures', 'all', 'none'] as const;
export type EvidencePolicy = (typeof EVIDENCE_POLICIES)[number];
export const DEFAULT_EVIDENCE_POLICY: EvidencePolicy = 'failures';
/** What each policy keeps, for `--help` and error messages. */
export const EVIDENCE_POLICY_HELP = 'failures (default): violations, inconclusive cells and cells without expectation; all: every cell; none: no cell';

/** verify: re-run the cell with the change applied (default); suggest: name it unverified; off: none. */
export const ADVICE_MODES = ['verify', 'suggest', 'off'] as const;
export type AdviceMode = (typeof ADVICE_MODES)[number];

/** What the investigation of one cell does beyond observing it. */
export interface CellSettings {
  advice: AdviceMode;
  /** Trace which rule decided each connection (off: the benchmark measures its cost so). */
  attribution: boolean;
  evidence: EvidencePolicy;
}

export const DEFAULT_CELL_SETTINGS: CellSettings = { advice: 'verify', attribution: true, evidence: DEFAULT_EVIDENCE_POLICY };

const RunConfigSchema = z
  .object({
    driver: z.enum(['netns', 'docker']),
    reports: z.strictObject({ json: z.string(), junit: z.string(), html: z.string(), ladders: z.string().optional() }),
    grep: z.string().optional(),
    workers: z.number().int().positive().optional(),
    /** Playwright's own `list` reporter prints too. */
    verbose: z.boolean(),
    /** Where Playwright keeps attachments while cells run: one per command, so two runs on one checkout do not share it. */
    outputDir: z.string().optional(),
    /** `pinhole check`: the check file whose cells the run declares. */
    checkFile: z.string().optional(),
    /** What ran, for the HTML report's title: `pinhole check edge`. */
    title: z.string().optional(),
    advice: z.enum(ADVICE_MODES),
    attribution: z.boolean(),
    evidence: z.enum(EVIDENCE_POLICIES),
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema> & CellSettings & { driver: DriverName };

export const DEFAULT_REPORTS = { json: 'reports/results.json', junit: 'reports/junit.xml', html: 'reports/html/index.html' } as const;

export const DEFAULT_RUN_CONFIG: RunConfig = { driver: 'netns', reports: { ...DEFAULT_REPORTS }, verbose: false, ...DEFAULT_CELL_SETTINGS };

/** The documented environment overrides, each refused with exit 2 when its value is not one it knows. */
const OVERRIDES = {
  PINHOLE_DRIVER: { values: ['netns', 'docker'], set: (v: string) => ({ driver: v as DriverName }) },
  PINHOLE_ADVICE: { values: ADVICE_MODES, set: (v: string) => ({ advice: v as AdviceMode }) },
  PINHOLE_ATTRIBUTION: { values: ['on', 'off'], set: (v: string) => ({ attribution: v === 'on' }) },
  PINHOLE_VERBOSE: { values: ['0', '1'], set: (v: string) => ({ verbose: v === '1' }) },
} as const satisfies Record<string, { values: readonly string[]; set: (v: string) => Partial<RunConfig> }>;

export const ENVIRONMENT_OVERRIDES = Object.keys(OVERRIDES) as Array<keyof typeof OVERRIDES>;

/** The overrides set in `env` (an empty value counts as unset). */
export function environmentOverrides(env: NodeJS.ProcessEnv = process.env): Partial<RunConfig> {
  let found: Partial<RunConfig> = {};
  for (const [name, o] of Object.entries(OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!(o.values as readonly string[]).includes(value)) throw new InputError(`${name}=${value}: expected one of ${o.values.join(', ')}`);
    found = { ...found, ...o.set(value) };
  }
  return found;
}

/** The run's configuration: defaults, then the environment's overrides, then the command's flags (the last word). */
export function runConfigOf(flags: Partial<RunConfig> = {}, env: NodeJS.ProcessEnv = process.env): RunConfig {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as Partial<RunConfig>;
  return { ...DEFAULT_RUN_CONFIG, ...environmentOverrides(env), ...defined };
}

/** How the configuration reaches Playwright's runner and its workers: one variable, JSON. */
export const RUN_CONFIG_ENV = 'PINHOLE_RUN_CONFIG';

export function encodeRunConfig(c: RunConfig): string {
  return JSON.stringify(c);
}

/**
 * The configuration the command handed on; without one (Playwright started by hand on a suite),
 * the defaults and the environment's overrides. A malformed one is a fault of pinhole, not input.
 */
export function runConfigFromEnvironment(env: NodeJS.ProcessEnv = process.env): RunConfig {
  const text = env[RUN_CONFIG_ENV];
  if (text === undefined || text === '') return runConfigOf({}, env);
  const parsed = RunConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${RUN_CONFIG_ENV}: not a run configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data as RunConfig;
}
