/**
 * The nemesis on its own (Jepsen's nemesis, without a database): real processes frozen, killed and
 * started again on the load's clock, each recorded as it happened; nothing left stopped when the
 * run ends early, a fault that fails to act and one never due are said so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startNemesis } from '../../src/faults/nemesis.js';
import type { FaultSpec } from '../../src/faults/spec.js';
import type { FaultTargets, InstanceProcess } from '../../src/faults/targets.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

/** The process state letter from /proc (T: stopped), or undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => stateOf(pid) !== undefined && stateOf(pid) !== 'Z';

/** Poll: a noisy machine makes timers late, so wait for what the clock promises instead of sleeping a fixed time. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await sleep(20);
  return done();
}

function targetsOf(instances: InstanceProcess[]): FaultTargets {
  const started = Date.now();
  return { instances, clock: () => Date.now() - started };
}

function instance(n: number): InstanceProcess {
  let child = sleeper();
  return {
    instance: n,
    get pid() {
      return child.pid!;
    },
    group: false,
    restart: async () => {
      child = sleeper();
      return child.pid!;
    },
  };
}

describe('the nemesis', () => {
  it('freezes an instance for its window and lets it go, on the clock', async () => {
    const one = instance(1);
    const pid = one.pid;
    const nemesis = startNemesis([{ kind: 'pause-instance', at: 0.2, duration: 0.5, instance: 1 }], targetsOf([one]));
    expect(stateOf(pid)).not.toBe('T');
    expect(await within(2000, () => stateOf(pid) === 'T')).toBe(true);
    const frozenAt = Date.now();
    expect(await within(3000, () => stateOf(pid) !== 'T')).toBe(true);
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(400);
    const [record] = await nemesis.finish();
    expect(record).toMatchObject({ kind: 'pause-instance', target: `instance 1 (pid ${pid})` });
    expect(record!.events.map((e) => e.type)).toEqual(['paused', 'resumed']);
    expect(record!.startS).toBeGreaterThanOrEqual(0.2);
    expect(record!.endS - record!.startS).toBeGreaterThanOrEqual(0.5);
  });

  it('ending early thaws what is still frozen: nothing is left stopped', async () => {
    const one = instance(1);
    const nemesis = startNemesis([{ kind: 'pause-instance', at: 0, duration: 60, instance: 1 }], targetsOf([one]));
    expect(await within(2000, () => stateOf(one.pid) === 'T')).toBe(true);
    const [record] = await nemesis.finish();
    expect(stateOf(one.pid)).not.toBe('T');
    expect(record!.events.map((e) => e.type)).toEqual(['paused', 'resumed']);
  });

  it('kills an instance and starts it again after the duration, as a new process', async () => {
    const two = instance(2);
    const first = two.pid;
    const nemesis = startNemesis([{ kind: 'kill-instance', at: 0.1, duration: 0.3, instance: 2 }], targetsOf([instance(1), two]));
    expect(await within(2000, () => !alive(first))).toBe(true);
    expect(await within(2000, () => two.pid !== first)).toBe(true);
    expect(alive(two.pid)).toBe(true);
    await sleep(100); // the restart's event is written once restart() has resolved
    const [record] = await nemesis.finish();
    expect(record!.events).toMatchObject([{ type: 'killed', pid: first, restarted: true }, { type: 'restarted', pid: two.pid }]);
  });

  it('says a fault that could not act failed, and one never due was not run', async () => {
    const specs: FaultSpec[] = [
      { kind: 'pause-instance', at: 0, duration: 1, instance: 3 },
      { kind: 'kill-instance', at: 30, duration: 0 },
    ];
    const nemesis = startNemesis(specs, targetsOf([instance(1)]));
    await sleep(200);
    const records = await nemesis.finish();
    expect(records.map((r) => [r.kind, r.events.map((e) => e.type)])).toEqual([
      ['pause-instance', ['failed']],
      ['kill-instance', ['not-run']],
    ]);
    expect(records[0]!.events[0]).toMatchObject({ message: 'pause-instance: there is no server instance 3 (instances: 1)' });
  });
});
