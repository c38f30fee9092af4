/** Commander wiring only: parse, call, print, exit code. */
import chalk from 'chalk';
import { Command, CommanderError, Option } from 'commander';
import { getStrategy, STRATEGIES, strategyNames } from '../strategies/index.js';
import { runDriverBenchmark } from './bench/driverBench.js';
import { applyOverrides, bundledScenarioNames, loadScenario, peakVUs, totalDuration, type Scenario } from './config.js';
import { assertIdentifier, DEFAULT_DATABASE } from './db/index.js';
import { formatDuration } from './duration.js';
import { couponbenchVersion } from './environment.js';
import { ExitCode, exitCodeOf, messageOf, UsageError } from './errors.js';
import { keepInfraDown, keepInfraUp } from './infra/index.js';
import type { InfraChoice, InfraRequest } from './infra/types.js';
import { Resources, releaseOnSignals } from './lifecycle.js';
import { medianRow, runMatrix } from './matrix.js';
import { nonNegativeInt, positiveInt, scenarioOverrides, seconds, stages, strategyOptions, type RunFlags, type SharedRunFlags } from './cliOptions.js';
import { assertComparable, collectReports, comparisonRow } from './report/compare.js';
import { renderComparison, type CompareFormat } from './report/compareTables.js';
import { DEFAULT_REPORTS_DIR, readReport, writeReport } from './report/files.js';
import { formatGate, gateExitCode, gateReport } from './report/gate.js';
import { endProgress, progressPrinter } from './report/progress.js';
import type { Report } from './report/schema.js';
import { renderRun } from './report/tables.js';
import { renderHtml } from './report/html.js';
import { screenshot } from './report/browser.js';
import { writeFileAtomic } from './atomicFile.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseThreshold } from './report/thresholds.js';
import { runOnce, type RunConfig, type RunHooks } from './run.js';

const INFRA_CHOICES: InfraChoice[] = ['auto', 'local', 'docker', 'external'];
const FORMATS: CompareFormat[] = ['table', 'markdown', 'json'];

function say(message: string): void {
  process.stderr.write(`${chalk.dim(message)}\n`);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface GateFlags {
  gate?: boolean;
  threshold?: string[];
}

function infraRequest(flags: SharedRunFlags): InfraRequest {
  return {
    choice: flags.infra as InfraChoice,
    mysqlUrl: flags.mysqlUrl ?? process.env.MYSQL_URL,
    redisUrl: flags.redisUrl ?? process.env.REDIS_URL,
    redisNodes: flags.redisNodes,
  };
}

function baseConfig(flags: SharedRunFlags, scenario: Scenario): Omit<RunConfig, 'strategy'> {
  return {
    scenario,
    instances: flags.instances,
    poolSize: flags.poolSize,
    host: flags.host,
    port: flags.port,
    database: assertDatabase(flags.database),
    seed: flags.seed,
    options: strategyOptions(flags),
  };
}

/** Run `body` with resources released on success, error and Ctrl-C. */
async function withResources<T>(quiet: boolean, body: (hooks: RunHooks) => Promise<T>): Promise<T> {
  const resources = new Resources();
  const unhook = releaseOnSignals(resources, () => {
    endProgress(process.stderr);
    say('interrupted: stopping the server and databases we started');
  });
  try {
    return await body({ resources, onStage: quiet ? undefined : say });
  } finally {
    endProgress(process.stderr);
    const failures = await resources.releaseAll();
    failures.forEach((f) => say(`cleanup: ${f}`));
    unhook();
  }
}

async function runCommand(flags: RunFlags & GateFlags): Promise<number> {
  getStrategy(flags.strategy);
  const thresholds = (flags.threshold ?? []).map(parseThreshold);
  const scenario = applyOverrides(await loadScenario(flags.scenario), scenarioOverrides(flags));
  const config = { ...baseConfig(flags, scenario), strategy: flags.strategy };
  const quiet = Boolean(flags.quiet || flags.json);
  const report = await withResources(quiet, (hooks) =>
    runOnce(infraRequest(flags), config, { ...hooks, onTick: quiet ? undefined : progressPrinter(process.stderr, scenario.quantity) }),
  );
  const file = await writeReport(report, flags.out);
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(`${renderRun(report)}\n`);
    say(`report: ${file}`);
  }
  if (flags.gate || thresholds.length > 0) {
    const results = [gateReport(report, thresholds, file)];
    process.stderr.write(`${formatGate(results)}\n`);
    return gateExitCode(results);
  }
  return report.audit.verdict === 'pass' ? ExitCode.ok : ExitCode.integrityFailed;
}

interface MatrixFlags extends SharedRunFlags, GateFlags {
  strategies: string;
  repeat: number;
  format: CompareFormat;
  reportsDir: string;
}

async function matrixCommand(flags: MatrixFlags): Promise<number> {
  const names = flags.strategies === 'all' ? strategyNames() : flags.strategies.split(',').map((s) => s.trim()).filter(Boolean);
  names.forEach((n) => getStrategy(n));
  const thresholds = (flags.threshold ?? []).map(parseThreshold);
  const scenario = applyOverrides(await loadScenario(flags.scenario), scenarioOverrides(flags));
  const quiet = Boolean(flags.quiet || flags.format === 'json');
  const written: Array<{ report: Report; file: string }> = [];
  const runs = await withResources(quiet, (hooks) =>
    runMatrix(infraRequest(flags), { strategies: names, repeat: flags.repeat, base: baseConfig(flags, scenario) }, hooks, async (report) => {
      const file = await writeReport(report, undefined, flags.reportsDir);
      written.push({ report, file });
      if (!quiet) say(`${report.config.strategy}: ${report.audit.verdict}, ${report.load.rate.toFixed(0)} req/s → ${file}`);
    }),
  );
  process.stdout.write(`${renderComparison(runs.map(medianRow), scenario.name, flags.format)}\n`);
  if (flags.gate || thresholds.length > 0) {
    const results = written.map((w) => gateReport(w.report, thresholds, w.file));
    process.stderr.write(`${formatGate(results)}\n`);
    return gateExitCode(results);
  }
  return runs.flat().every((r) => r.audit.verdict === 'pass') ? ExitCode.ok : ExitCode.integrityFailed;
}

async function compareCommand(paths: string[], flags: { baseline?: string; format: CompareFormat; reportsDir: string }): Promise<number> {
  const reports = await collectReports(paths, flags.reportsDir);
  const baseline = flags.baseline ? { file: flags.baseline, report: await readReport(flags.baseline) } : undefined;
  assertComparable(baseline ? [...reports, baseline] : reports);
  const order = strategyNames();
  const rows = reports
    .map((r) => comparisonRow(r.report, r.file))
    .sort((a, b) => order.indexOf(a.strategy) - order.indexOf(b.strategy) || a.instances - b.instances);
  const scenario = reports[0]!.report.config.scenario.name;
  process.stdout.write(`${renderComparison(rows, scenario, flags.format, baseline && comparisonRow(baseline.report, baseline.file))}\n`);
  return ExitCode.ok;
}

async function gateCommand(paths: string[], flags: GateFlags): Promise<number> {
  if (paths.length === 0) throw new UsageError('gate needs at least one report file');
  const thresholds = (flags.threshold ?? []).map(parseThreshold);
  const reports = await collectReports(paths);
  const results = reports.map((r) => gateReport(r.report, thresholds, r.file));
  process.stdout.write(`${formatGate(results)}\n`);
  return gateExitCode(results);
}

async function reportCommand(paths: string[], flags: { html?: string; screenshot?: string }): Promise<number> {
  const reports = await collectReports(paths);
  if (flags.screenshot && !flags.html) throw new UsageError('--screenshot needs --html FILE');
  if (!flags.html) {
    for (const r of reports) process.stdout.write(`${renderRun(r.report)}\n\n`);
    return ExitCode.ok;
  }
  await writeFileAtomic(flags.html, renderHtml(reports.map((r) => r.report)));
  process.stdout.write(`html: ${flags.html}\n`);
  if (flags.screenshot) {
    const profile = mkdtempSync(join(tmpdir(), 'couponbench-chromium-'));
    try {
      await screenshot(flags.html, flags.screenshot, profile);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
    process.stdout.write(`screenshot: ${flags.screenshot}\n`);
  }
  return ExitCode.ok;
}

function assertDatabase(name: string): string {
  try {
    return assertIdentifier(name);
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
}

/** The flags `run` and `matrix` share: load shape, server, infra, strategy knobs. */
function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--scenario <name|file>', 'bundled scenario name or path to a scenario JSON file', 'smoke')
    .option('--quantity <n>', 'coupon units to seed', positiveInt)
    .option('--vus <n>', 'constant virtual users (replaces the stages)', positiveInt)
    .option('--duration <d>', 'run length, e.g. 30s (replaces the stages)', seconds)
    .option('--stages <list>', 'k6 stages as DURATION:TARGET,..., e.g. 10s:2000,80s:2000', stages)
    .option('--think-time <d>', 'pause of each virtual user after each response, e.g. 1s', seconds)
    .option('--user-pool <n>', 'distinct user ids requests are drawn from', positiveInt)
    .option('--one-per-user', 'a user may hold at most one coupon')
    .option('--no-one-per-user', 'a user may hold several coupons')
    .option('--timeout <d>', 'client request timeout', seconds)
    .option('--instances <n>', 'issuance server instances (node:cluster workers)', positiveInt, 2)
    .option('--pool-size <n>', 'MySQL connections per instance', positiveInt, 10)
    .option('--host <addr>', 'address the server binds', '127.0.0.1')
    .option('--port <n>', 'server port (0 picks a free one)', nonNegativeInt, 0)
    .addOption(new Option('--infra <kind>', 'where MySQL and Redis come from').choices(INFRA_CHOICES).default('auto'))
    .option('--mysql-url <url>', 'external MySQL, e.g. mysql://root@127.0.0.1:3306/ (or MYSQL_URL)')
    .option('--redis-url <url[,url]>', 'external Redis node(s), e.g. redis://127.0.0.1:6379 (or REDIS_URL)')
    .option('--redis-nodes <n>', 'independent Redis nodes to start (local infra; redlock uses them all)', positiveInt, 1)
    .option('--database <name>', 'database couponbench owns on the MySQL server', DEFAULT_DATABASE)
    .option('--seed <n>', 'seed of the user-id sequence', nonNegativeInt, 1)
    .option('--lock-wait <d>', 'how long a lock strategy waits for the lock', seconds)
    .option('--lock-lease <d>', 'lock lease (expiry); the watchdog timeout for redis-pubsub', seconds)
    .option('--retry-interval <d>', 'pause between lock polls, version retries and backoff base', seconds)
    .option('--max-retries <n>', 'retries after the first attempt (optimistic, fair lock wrapper)', nonNegativeInt)
    .option('--gate', 'exit by the integrity gate: promised integrity kept, or the race reproduced where none is promised')
    .option('--threshold <expr>', "k6-style threshold, repeatable: 'p95<500ms', 'failed<1%', 'issued_rate>800'", collect)
    .option('-q, --quiet', 'no progress output');
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('couponbench')
    .description('Benchmark and audit lock strategies for first-come-first-served coupon issuance')
    .version(couponbenchVersion())
    .exitOverride();

  addRunOptions(
    program
      .command('run')
      .description('bring up MySQL + Redis, seed a coupon, serve it with one strategy, load it, audit, report')
      .requiredOption('-s, --strategy <name>', `strategy under test (${strategyNames().join(', ')})`),
  )
    .option('--out <file>', 'report path (default reports/<time>-<strategy>-<scenario>.json)')
    .option('--json', 'print the JSON report to stdout instead of tables')
    .action(async (flags: RunFlags & GateFlags) => setExit(await runCommand(flags)));

  addRunOptions(
    program
      .command('matrix')
      .description('run several strategies on fresh data with one infra start, then compare them')
      .requiredOption('--strategies <list>', 'comma-separated strategy names, or "all"'),
  )
    .option('--repeat <k>', 'runs per strategy; figures are medians with their spread', positiveInt, 1)
    .addOption(new Option('--format <format>', 'comparison output').choices(FORMATS).default('table'))
    .option('--reports-dir <dir>', 'where each run report is written', DEFAULT_REPORTS_DIR)
    .action(async (flags: MatrixFlags) => setExit(await matrixCommand(flags)));

  program
    .command('compare')
    .description('side-by-side integrity, throughput and fairness of reports (default: latest per strategy)')
    .argument('[reports...]', 'report files or directories')
    .option('--baseline <report>', 'show throughput deltas against this report')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--reports-dir <dir>', 'where to look when no reports are named', DEFAULT_REPORTS_DIR)
    .action(async (paths: string[], flags: { baseline?: string; format: CompareFormat; reportsDir: string }) => setExit(await compareCommand(paths, flags)));

  program
    .command('gate')
    .description('the CI gate over existing reports: integrity as promised, race reproduced where not, thresholds')
    .argument('<reports...>', 'report files or directories')
    .option('--threshold <expr>', "k6-style threshold, repeatable: 'p95<500ms', 'failed<1%'", collect)
    .action(async (paths: string[], flags: GateFlags) => setExit(await gateCommand(paths, flags)));

  program
    .command('report')
    .description('print saved reports again, or turn them into one self-contained HTML file with charts')
    .argument('<reports...>', 'report files or directories')
    .option('--html <file>', 'write an offline HTML report (tables + charts over time)')
    .option('--screenshot <png>', 'with --html: a PNG of the page taken by headless chromium')
    .action(async (paths: string[], flags: { html?: string; screenshot?: string }) => setExit(await reportCommand(paths, flags)));

  program
    .command('strategies')
    .description('list the strategies and the integrity each promises')
    .action(() => {
      for (const s of STRATEGIES) process.stdout.write(`${s.name.padEnd(20)} ${s.promise.padEnd(17)} ${s.summary}\n`);
    });

  program
    .command('scenarios')
    .description('list the bundled scenarios')
    .action(async () => {
      for (const name of await bundledScenarioNames()) {
        const s = await loadScenario(name);
        const shape = s.stages.map((st) => `${formatDuration(st.duration)}→${st.target}`).join(', ');
        process.stdout.write(
          `${name.padEnd(16)} ${String(s.quantity).padStart(7)} units  peak ${String(peakVUs(s)).padStart(5)} VUs  ${formatDuration(totalDuration(s)).padStart(6)}  [${shape}]  ${s.description}\n`,
        );
      }
    });

  program
    .command('up')
    .description('start local MariaDB + Redis and keep them running for later runs')
    .option('--redis-nodes <n>', 'independent Redis nodes to start', positiveInt, 1)
    .action(async (flags: { redisNodes: number }) => {
      const state = await keepInfraUp(flags.redisNodes);
      process.stdout.write(`mysql ${state.mysqlUrl}\nredis ${state.redisUrls.join(' ')}\n(stop with: couponbench down)\n`);
    });

  program
    .command('down')
    .description('stop what `couponbench up` started')
    .action(async () => {
      const state = await keepInfraDown();
      process.stdout.write(state ? `stopped ${state.pids.length} processes, removed ${state.dir}\n` : 'nothing was running\n');
    });

  program
    .command('bench-driver')
    .description("measure the load driver's own overhead against a no-op server (and wrk, if installed)")
    .option('--vus <n>', 'virtual users', positiveInt, 2000)
    .option('--think-time <d>', 'think time', seconds, 1)
    .option('--duration <d>', 'measured duration', seconds, 20)
    .action(async (flags: { vus: number; thinkTime: number; duration: number }) => {
      await runDriverBenchmark(flags, process.stdout);
    });

  return program;
}

async function main(): Promise<void> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) process.exit(0);
      // commander has already printed its one-line message
      process.exit(ExitCode.usage);
    }
    process.stderr.write(`couponbench: ${messageOf(err)}\n`);
    if (exitCodeOf(err) === ExitCode.internal && process.env.COUPONBENCH_DEBUG) console.error(err);
    process.exit(exitCodeOf(err));
  }
  process.exit(exitCode);
}

void main();
