/** Commander wiring only: parse, call, print, exit code. */
import chalk from 'chalk';
import { Command, CommanderError, Option } from 'commander';
import { getStrategy, STRATEGIES } from '../strategies/index.js';
import { runDriverBenchmark } from './bench/driverBench.js';
import { applyOverrides, bundledScenarioNames, loadScenario, peakVUs, totalDuration } from './config.js';
import { assertIdentifier, DEFAULT_DATABASE } from './db/index.js';
import { formatDuration } from './duration.js';
import { ExitCode, exitCodeOf, messageOf, UsageError } from './errors.js';
import { keepInfraDown, keepInfraUp } from './infra/index.js';
import type { InfraChoice } from './infra/types.js';
import { Resources, releaseOnSignals } from './lifecycle.js';
import { nonNegativeInt, positiveInt, scenarioOverrides, seconds, stages, strategyOptions, type RunFlags } from './cliOptions.js';
import { writeReport } from './report/files.js';
import { endProgress, progressPrinter } from './report/progress.js';
import { renderRun } from './report/tables.js';
import { runOnce } from './run.js';
import { couponbenchVersion } from './environment.js';

const INFRA_CHOICES: InfraChoice[] = ['auto', 'local', 'docker', 'external'];

function say(message: string): void {
  process.stderr.write(`${chalk.dim(message)}\n`);
}

async function runCommand(flags: RunFlags): Promise<number> {
  getStrategy(flags.strategy);
  const scenario = applyOverrides(await loadScenario(flags.scenario), scenarioOverrides(flags));
  const database = assertDatabase(flags.database);
  const quiet = Boolean(flags.quiet || flags.json);
  const resources = new Resources();
  const unhook = releaseOnSignals(resources, () => {
    endProgress(process.stderr);
    say('interrupted: stopping the server and databases we started');
  });
  try {
    const report = await runOnce(
      {
        choice: flags.infra as InfraChoice,
        mysqlUrl: flags.mysqlUrl ?? process.env.MYSQL_URL,
        redisUrl: flags.redisUrl ?? process.env.REDIS_URL,
        redisNodes: flags.redisNodes,
      },
      {
        strategy: flags.strategy,
        scenario,
        instances: flags.instances,
        poolSize: flags.poolSize,
        host: flags.host,
        port: flags.port,
        database,
        seed: flags.seed,
        options: strategyOptions(flags),
      },
      {
        resources,
        onStage: quiet ? undefined : say,
        onTick: quiet ? undefined : progressPrinter(process.stderr, scenario.quantity),
      },
    );
    if (!quiet) endProgress(process.stderr);
    const failures = await resources.releaseAll();
    failures.forEach((f) => say(`cleanup: ${f}`));
    const file = await writeReport(report, flags.out);
    if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      process.stdout.write(`${renderRun(report)}\n`);
      say(`report: ${file}`);
    }
    return report.audit.verdict === 'pass' ? ExitCode.ok : ExitCode.integrityFailed;
  } finally {
    await resources.releaseAll();
    unhook();
  }
}

function assertDatabase(name: string): string {
  try {
    return assertIdentifier(name);
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('couponbench')
    .description('Benchmark and audit lock strategies for first-come-first-served coupon issuance')
    .version(couponbenchVersion())
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command('run')
    .description('bring up MySQL + Redis, seed a coupon, serve it with one strategy, load it, audit, report')
    .requiredOption('-s, --strategy <name>', `lock strategy (${STRATEGIES.map((s) => s.name).join(', ')})`)
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
    .option('--redis-nodes <n>', 'independent Redis nodes to start (local infra)', positiveInt, 1)
    .option('--database <name>', 'database couponbench owns on the MySQL server', DEFAULT_DATABASE)
    .option('--seed <n>', 'seed of the user-id sequence', nonNegativeInt, 1)
    .option('--lock-wait <d>', 'how long a lock strategy waits for the lock', seconds)
    .option('--lock-lease <d>', 'lock lease (expiry) for Redis locks', seconds)
    .option('--retry-interval <d>', 'pause between lock or version retries', seconds)
    .option('--max-retries <n>', 'retries before giving up (optimistic strategies)', nonNegativeInt)
    .option('--out <file>', 'report path (default reports/<time>-<strategy>-<scenario>.json)')
    .option('--json', 'print the JSON report to stdout instead of tables')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: RunFlags) => setExit(await runCommand(flags)));

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
