/**
 * A target's reset steps: run in order, each printed (as it will run, placeholders filled in)
 * before it runs, and nothing else. A shell step runs any command as the invoking user, so it
 * is printed even under --quiet and --json: nothing runs on this machine unannounced. couponbench never creates or drops anything in a target's
 * database; what it runs there is what the file says.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';
import { whenWeAreGone } from '../infra/process.js';
import type { RunEvent } from '../timeline/events.js';
import type { Resources } from '../lifecycle.js';
import { stopGroup } from './processes.js';
import type { TargetState } from './probes.js';
import type { ResetStep } from './schema.js';
import { compileTemplate, type TemplateValues } from './template.js';

const SHELL_TIMEOUT_MS = 120_000;

export function describeStep(step: ResetStep, values: TemplateValues): string {
  const [kind, text] = step.sql !== undefined ? ['sql', step.sql] : step.redis !== undefined ? ['redis', step.redis] : ['shell', step.shell!];
  return `${kind}: ${compileTemplate(text, 'text').render(values)}`;
}

/** Run the steps in order; each is announced first (a shell step as a notice, shown whatever the verbosity). */
export async function runReset(steps: ResetStep[], state: TargetState, values: TemplateValues, cwd: string, onEvent: (event: RunEvent) => void, resources: Resources): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const where = `reset step ${i + 1}`;
    onEvent({ type: 'reset-step', step: i + 1, of: steps.length, text: describeStep(step, values), shell: step.shell !== undefined });
    if (step.sql !== undefined) await state.sql(step.sql, where);
    else if (step.redis !== undefined) await state.redis(step.redis, where);
    else await shell(compileTemplate(step.shell!, 'text').render(values), cwd, where, resources);
  }
}

/**
 * A shell step runs in a process group of its own, stopped with the run's resources (Ctrl-C) and
 * by a guard if couponbench is killed: a step never outlives the command that started it.
 */
async function shell(line: string, cwd: string, where: string, resources: Resources): Promise<void> {
  const child = spawn('sh', ['-c', line], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid ?? -1;
  const callOffGuard = pid > 0 ? whenWeAreGone(`kill -TERM -${pid} 2>/dev/null; sleep 2; kill -KILL -${pid} 2>/dev/null`) : () => {};
  let finished = false;
  const stop = resources.defer(`${where} (pid ${pid})`, async () => {
    if (!finished) await stopGroup(pid);
    callOffGuard();
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopGroup(pid);
  }, SHELL_TIMEOUT_MS);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  finished = true;
  await stop();
  if (timedOut) throw new UsageError(`${where}: ${line}: still running after ${SHELL_TIMEOUT_MS / 1000}s`);
  if (ended.error) throw new UsageError(`${where}: ${line}: ${ended.error.message}`);
  if (ended.code !== 0) {
    const last = output.trim().split('\n').pop() ?? '';
    throw new UsageError(`${where}: ${line}: exited with ${ended.code ?? ended.signal}${last ? `: ${last}` : ''}`);
  }
}
