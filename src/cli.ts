/** The command line: one file per command under src/commands/; here only wiring and exit codes. */
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerBenchDriver } from './commands/benchDriver.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerCompare } from './commands/compare.js';
import { registerDown } from './commands/down.js';
import { registerGate } from './commands/gate.js';
import { registerHunt } from './commands/hunt.js';
import { registerMatrix } from './commands/matrix.js';
import { registerReport } from './commands/report.js';
import { registerReset } from './commands/reset.js';
import { registerRun } from './commands/run.js';
import { registerScenarios } from './commands/scenarios.js';
import { registerSchema } from './commands/schema.js';
import { registerStrategies } from './commands/strategies.js';
import { registerUp } from './commands/up.js';
import { couponbenchVersion } from './environment.js';
import { ExitCode, exitCodeOf, messageOf } from './errors.js';

function buildProgram(): Command {
  const program = new Command('couponbench')
    .description('Benchmark and audit lock strategies for first-come-first-served coupon issuance')
    .version(couponbenchVersion())
    .exitOverride();
  const commands = [registerRun, registerMatrix, registerHunt, registerAudit, registerReset, registerCompare, registerGate, registerReport, registerCalibrate, registerStrategies, registerScenarios, registerSchema, registerUp, registerDown, registerBenchDriver];
  for (const register of commands) register(program);
  return program;
}

async function main(): Promise<void> {
  // `couponbench ... | head`: the reader left; that is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its one-line message (or the help / version)
      process.exit(err.exitCode === 0 ? ExitCode.ok : ExitCode.usage);
    }
    process.stderr.write(`couponbench: ${messageOf(err)}\n`);
    if (exitCodeOf(err) === ExitCode.internal && process.env.COUPONBENCH_DEBUG) console.error(err);
    process.exit(exitCodeOf(err));
  }
  process.exit(process.exitCode ?? ExitCode.ok);
}

void main();
