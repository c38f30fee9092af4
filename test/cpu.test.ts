/**
 * CPU per component (src/cpu.ts), read from /proc of real processes: a spinning process is counted
 * near a core and a sleeping one near nothing; a process group and a parent with its children are
 * counted whole; a component that exits meanwhile is left out; limits are named.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuLimits, watchCpu } from '../src/cpu.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }
});

function start(script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

describe('cpu per component', () => {
  it('counts a spinning process near a core, a sleeping one near nothing, and children with their parent', async () => {
    const spinning = start('exec node -e "for(;;){}"');
    const idle = start('exec sleep 30');
    // A shell that spins only in its child: counted by `children`, not on its own pid.
    const parent = start('node -e "for(;;){}" & wait');
    await sleep(200);
    const watch = watchCpu([
      { name: 'spinning', pid: spinning.pid!, singleThreaded: true },
      { name: 'idle', pid: idle.pid!, singleThreaded: true },
      { name: 'parent alone', pid: parent.pid!, singleThreaded: false },
      { name: 'parent and children', pid: parent.pid!, singleThreaded: false, children: true },
      { name: 'group', pid: parent.pid!, singleThreaded: false, group: true },
    ]);
    await sleep(1000);
    const usage = watch.stop()!;
    const percent = Object.fromEntries(usage.components.map((c) => [c.name, c.percent]));
    // Two spinning processes on a shared machine: each gets some large share of a core.
    expect(percent['spinning']).toBeGreaterThan(10);
    expect(percent['idle']).toBeLessThan(5);
    expect(percent['parent alone']).toBeLessThan(5);
    expect(percent['parent and children']).toBeGreaterThan(10);
    expect(percent['group']).toBeGreaterThan(10);
    expect(usage.machinePercent).toBeGreaterThan(percent['spinning']! / 2);
    expect(usage.cores).toBeGreaterThan(0);
  });

  it('leaves out a component that exited during the window', async () => {
    const short = start('exec sleep 0.2');
    const watch = watchCpu([{ name: 'short', pid: short.pid!, singleThreaded: true }, { name: 'driver', pid: process.pid, singleThreaded: true }]);
    await sleep(600);
    expect(watch.stop()!.components.map((c) => c.name)).toEqual(['driver']);
  });

  it('names a saturated single-threaded component and a full machine as limits', () => {
    const components = [
      { name: 'driver', pid: 1, percent: 97, singleThreaded: true },
      { name: 'mariadbd', pid: 2, percent: 150, singleThreaded: false },
    ];
    expect(cpuLimits({ seconds: 10, cores: 2, machinePercent: 190, components })).toEqual([
      'driver used 97% of its one core: it may have limited this run',
      'the machine was 95% busy across 2 cores: every component was short of CPU',
    ]);
    expect(cpuLimits({ seconds: 10, cores: 2, machinePercent: 100, components: [{ ...components[0]!, percent: 50 }] })).toEqual([]);
  });
});
