/**
 * The pinhole command line. Exit codes: 0 every verdict as expected, 1 a verdict differs,
 * 2 bad input or usage, 3 the host cannot run it, 130 interrupted.
 */
import { Command, CommanderError, Option } from 'commander';
import { driverFor } from '../drivers/registry.ts';
import { HostError, InputError } from '../errors.ts';
import { DEFAULT_EVIDENCE_POLICY, EVIDENCE_POLICIES, EVIDENCE_POLICY_HELP } from '../run-config.ts';
import { SERVER_SOFTWARE } from '../model.ts';
import { FRONTEND_KINDS } from '../frontends/frontend-kinds.ts';
import { collect } from './ruleset-options.ts';
import { DEFAULT_CHECK_FILE } from '../expectations/check-file.ts';
import { checkCommand } from './check-command.ts';
import { diffCommand } from './diff-command.ts';
import { exploreCommand } from './explore-command.ts';
import { installInterruptHandler } from './interrupt.ts';
import { ANNOTATION_FORMATS, DEFAULT_CODE_QUALITY_REPORT } from './ci-outputs.ts';
import { mergeCommand } from './merge-command.ts';
import { runCommand } from './run-command.ts';
import { setupCommand } from './setup-command.ts';

// No commander default or .env(): the run's configuration (harness/run-config.ts) puts the flag
// over PINHOLE_DRIVER over netns, in the one place every setting is resolved.
const driverOption = () => new Option('--driver <name>', 'where nodes run: netns (network namespaces, default) or docker (containers); PINHOLE_DRIVER sets it too').choices(['netns', 'docker']);

const frontendOption = () =>
  new Option('--frontend <kind>', 'instead of --ruleset: the firewall frontend that reads --config, run for real in a throw-away namespace to render it').choices([...FRONTEND_KINDS]);

const evidenceOption = () =>
  new Option('--evidence <cells>', `which cells keep evidence files (transcript, firewall state, pcaps) beside the JSON report: ${EVIDENCE_POLICY_HELP}`)
    .choices([...EVIDENCE_POLICIES])
    .default(DEFAULT_EVIDENCE_POLICY);

/** Where the findings go besides the reports: the pull request (harness/cli/ci-outputs.ts). */
function ciOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--annotations <format>', 'annotate the rule-set lines that decided failing cells: github (the default in a GitHub Actions job) or none').choices([...ANNOTATION_FORMATS]))
    .option('--codequality <file>', `also write a GitLab Code Quality report (in a GitLab job by default: ${DEFAULT_CODE_QUALITY_REPORT})`)
    .option('--sarif <file>', 'also write the findings as SARIF 2.1.0, for GitHub code scanning');
}

/** What `run` and `check` share: the driver, the reports, the cell selection, parallelism and evidence. */
function runOptions(cmd: Command, help: { grep: string; workers: string }): void {
  ciOptions(cmd)
    .addOption(driverOption())
    .option('--json <file>', 'JSON results (the contract in README)', 'reports/results.json')
    .option('--junit <file>', 'JUnit XML for CI', 'reports/junit.xml')
    .option('--html <dir|file>', 'self-contained HTML report (matrix, filters, ladder diagrams, advice)', 'reports/html')
    .option('--grep <regex>', `only cells whose title matches (${help.grep})`)
    .option('--workers <n>', `Playwright workers (${help.workers})`)
    .option('--shard <i/n>', 'run only the i-th of n parts (e.g. 1/2, one per CI machine); join them with pinhole merge')
    .addOption(evidenceOption());
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('pinhole')
    .description('Firewall compliance tests for FTP through real netfilter rule sets')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const run = program
    .command('run')
    .description('run the built-in compliance suites; print the matrix; write JSON and JUnit')
    .action(async (opts) => {
      code = await runCommand(opts);
    });
  runOptions(run, { grep: 'e.g. "nft-helper" or "PASV"', workers: 'one topology each' });

  const check = program
    .command('check')
    .description("check your own rule sets from a check file (pinhole.yaml): every server, client, mode, command, family, FTPS variant and session probe, and the attacks; print the matrix; write JSON, JUnit and HTML")
    .argument('[file]', 'the check file', DEFAULT_CHECK_FILE)
    .option('--update', 'write what the cells observed into the file as its expectations (review the change, then commit it)')
    .option('--minimize', 'then delete each rule that accepted a traced packet, alone, and run the transfers again: which rules can go without changing any outcome')
    .action(async (file: string, opts) => {
      code = await checkCommand(file, opts);
    });
  runOptions(check, { grep: 'e.g. "EPSV" or "proftpd"', workers: 'each brings up the labs of the cells it runs' });

  ciOptions(program.command('merge'))
    .description('join the reports of pinhole run --shard i/n into one: matrix, JSON, JUnit, HTML, and the exit code of the whole run')
    .argument('<reports...>', "shards' JSON reports, or directories holding them (every results.json under each)")
    .option('--json <file>', 'merged JSON results', 'reports/results.json')
    .option('--junit <file>', 'merged JUnit XML', 'reports/junit.xml')
    .option('--html <dir|file>', 'merged HTML report', 'reports/html')
    .action(async (reports: string[], opts) => {
      code = await mergeCommand(reports, opts);
    });

  ciOptions(program.command('explore'))
    .description('run the four modes x RETR and STOR through one rule set and show what passes (judged against --expect when given)')
    .requiredOption('--topology <name|file>', 'a topology name under topologies/ or a .topo.yaml path')
    .option('--ruleset <file>', 'an nftables file (nft -f), or an iptables-save or ip6tables-save file; twice: an iptables-save and an ip6tables-save file together', collect, [] as string[])
    .addOption(frontendOption())
    .option('--config <path>', "with --frontend: the configuration it reads, as kept in your repository (the /etc/firewalld directory, a directory holding ufw/ and default/ufw, ferm.conf, firehol.conf, the /etc/shorewall directory)", collect, [] as string[])
    .addOption(driverOption())
    .addOption(new Option('--server <software>', "FTP server software on the topology's server node (default: the topology's)").choices([...SERVER_SOFTWARE]))
    .option('--on <node>', "the node that carries the rule set: the firewall (the topology's default), or the ftp-server or ftp-client for its own host firewall")
    .option('--json <file>', 'also write JSON results')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--html <dir|file>', 'also write the HTML report (matrix, ladder diagrams, advice)')
    .option('--expect <file>', 'a YAML file saying what each mode must do (pass or blocked); exit 1 when a cell does otherwise')
    .option('--minimize', 'then delete each rule that accepted a traced packet, alone, and run every cell again: which rules can go without changing any outcome')
    .addOption(evidenceOption())
    .action(async (opts) => {
      code = await exploreCommand(opts);
    });

  ciOptions(program.command('diff'))
    .description('run the explore matrix through an old and a new rule set and show what the change breaks or fixes')
    .option('--ruleset <file>', 'give it twice: the OLD rule set, then the NEW one', collect, [] as string[])
    .addOption(frontendOption())
    .option('--config <path>', "with --frontend, give it twice: the OLD configuration, then the NEW one", collect, [] as string[])
    .option('--topology <name|file>', 'a topology name under topologies/ or a .topo.yaml path', 'routed')
    .addOption(driverOption())
    .addOption(new Option('--server <software>', "FTP server software on the topology's server node (default: the topology's)").choices([...SERVER_SOFTWARE]))
    .option('--on <node>', "the node that carries the rule set: the firewall (the topology's default), or the ftp-server or ftp-client for its own host firewall")
    .option('--json <file>', 'also write the diff as JSON (README "pinhole diff")')
    .option('--junit <file>', 'also write JUnit XML of the NEW run, a regression as a failure')
    .option('--html <dir|file>', 'also write the HTML report of both runs')
    .addOption(evidenceOption())
    .action(async (opts) => {
      code = await diffCommand(opts);
    });

  program
    .command('setup')
    .description('install what this Debian host needs to run pinhole (Debian packages; pure-ftpd and proftpd unpacked into pinhole\'s cache); exit 3 saying what is missing when it cannot')
    .action(async () => {
      code = await setupCommand();
    });

  program
    .command('doctor')
    .description('what this host has and lacks for each driver')
    .action(async () => {
      // Loaded when used: they bring the Docker libraries, which other commands do not need.
      const { doctorCommand } = await import('./doctor-command.ts');
      code = await doctorCommand();
    });

  program
    .command('clean')
    .description('remove what crashed runs left behind (namespaces, containers, networks, processes, state), on every driver')
    .option('--all', 'also remove resources of runs that are still going on')
    .action(async (opts: { all?: boolean }) => {
      const removed: string[] = [];
      // Docker first: it finds its runs by label, before the netns pass releases their state dirs.
      for (const name of ['docker', 'netns'] as const) removed.push(...(await driverFor(name).clean({ all: Boolean(opts.all) })));
      process.stdout.write(removed.length ? `removed:\n${removed.map((r) => `  ${r}`).join('\n')}\n` : 'nothing to clean\n');
    });

  const images = program.command('images').description('the Docker node image');
  images
    .command('build')
    .description('build the node image: offline from Debian packages (mmdebstrap), or from --base-image with a Dockerfile')
    .option('--base-image <image>', 'a pinned base image to build FROM (needs a registry)')
    .option('--force', 'rebuild even when an image of the same recipe exists')
    .action(async (opts: { baseImage?: string; force?: boolean }) => {
      const { imagesBuildCommand } = await import('./images-command.ts');
      code = await imagesBuildCommand(opts);
    });

  await program.parseAsync(argv);
  return code;
}

installInterruptHandler();
try {
  process.exitCode = await main(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version are "errors" to commander; a usage mistake is bad input.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof InputError || err instanceof HostError) {
    process.stderr.write(`pinhole: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`pinhole: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
