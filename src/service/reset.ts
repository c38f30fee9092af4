/**
 * A target's reset steps: run in order, each printed (as it will run, placeholders filled in)
 * before it runs, and nothing else. A shell step runs any command as the invoking user, so it
 * is printed even under --quiet and --json: nothing runs on this machine unannounced. couponbench never creates or drops anything in a target's
 * database; what it runs there is what the file says.
 */
import { execa } from 'execa';
import { UsageError } from '../errors.js';
import type { TargetState } from './probes.js';
import type { ResetStep } from './schema.js';
import { compileTemplate, type TemplateValues } from './template.js';

const SHELL_TIMEOUT_MS = 120_000;

export function describeStep(step: ResetStep, values: TemplateValues): string {
  const [kind, text] = step.sql !== undefined ? ['sql', step.sql] : step.redis !== undefined ? ['redis', step.redis] : ['shell', step.shell!];
  return `${kind}: ${compileTemplate(text, 'text').render(values)}`;
}

export interface ResetPrinters {
  say: (line: string) => void;
  /** Shown whatever the verbosity. */
  notice: (line: string) => void;
}

export async function runReset(steps: ResetStep[], state: TargetState, values: TemplateValues, cwd: string, print: ResetPrinters): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const where = `reset step ${i + 1}`;
    (step.shell !== undefined ? print.notice : print.say)(`${where}/${steps.length}  ${describeStep(step, values)}`);
    if (step.sql !== undefined) await state.sql(step.sql, where);
    else if (step.redis !== undefined) await state.redis(step.redis, where);
    else await shell(compileTemplate(step.shell!, 'text').render(values), cwd, where);
  }
}

async function shell(line: string, cwd: string, where: string): Promise<void> {
  const result = await execa('sh', ['-c', line], { cwd, reject: false, timeout: SHELL_TIMEOUT_MS, stdin: 'ignore', all: true });
  if (result.timedOut) throw new UsageError(`${where}: ${line}: still running after ${SHELL_TIMEOUT_MS / 1000}s`);
  if (result.exitCode !== 0) {
    const last = (result.all ?? '').trim().split('\n').pop() ?? '';
    throw new UsageError(`${where}: ${line}: exited with ${result.exitCode ?? result.signal}${last ? `: ${last}` : ''}`);
  }
}
