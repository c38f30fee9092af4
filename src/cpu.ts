/**
 * CPU per component over a run, from /proc (Linux): the driver, each server instance, mariadbd,
 * redis-server, and the whole machine. It answers "did the harness or the database limit this
 * run?": a single-threaded process (Node, Redis) near 100% of one core was the bottleneck, and a
 * machine near 100% of all its cores means every component was sharing what was left.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

export const CpuComponentSchema = z.object({
  name: z.string(),
  pid: z.number().int(),
  /** Percent of one core over the window (200 = two cores busy the whole time). */
  percent: z.number(),
  /** Node and Redis run their work on one thread: near 100% they cannot go faster. */
  singleThreaded: z.boolean(),
});
export type CpuComponent = z.infer<typeof CpuComponentSchema>;

export const CpuUsageSchema = z.object({
  seconds: z.number(),
  cores: z.number().int(),
  /** The whole machine, percent of one core (cores x 100 = all busy). */
  machinePercent: z.number(),
  components: z.array(CpuComponentSchema),
});
export type CpuUsage = z.infer<typeof CpuUsageSchema>;

export interface CpuWatch {
  name: string;
  pid: number;
  singleThreaded: boolean;
  /** Count every process in the group `pid` leads (a started service: the shell and what it runs). */
  group?: boolean;
  /** Count `pid` and its children (postgres: the postmaster and a backend per connection). */
  children?: boolean;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // the Linux default (USER_HZ)
    }
  }
  return ticksPerSecond;
}

/** Fields 3 on of /proc/<pid>/stat, or undefined when it is gone or /proc is absent. */
export function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14 and 15) in clock ticks. */
const ticksOf = (fields: string[]) => Number(fields[11]) + Number(fields[12]);

/** CPU ticks of a process, or of every live process in the group it leads (pgrp, field 5). */
function processTicks(pid: number, group = false, children = false): number | undefined {
  if (!group && !children) {
    const fields = statFields(pid);
    return fields && ticksOf(fields);
  }
  let sum: number | undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    // fields[1] is the parent (ppid, field 4), fields[2] the group (pgrp, field 5).
    const counted = group ? Number(fields?.[2]) === pid : Number(entry) === pid || Number(fields?.[1]) === pid;
    if (fields && counted) sum = (sum ?? 0) + ticksOf(fields);
  }
  return sum;
}

/** Busy and total ticks of all CPUs, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * Start measuring; `stop()` returns each component's share of a core over the window. Processes
 * that exit meanwhile (a killed instance) are left out; null where /proc cannot be read at all.
 */
export function watchCpu(components: CpuWatch[]): { stop(): CpuUsage | null } {
  const startedAt = performance.now();
  // The pids now: an instance restarted meanwhile is a new process, left out like a killed one.
  const watched = components.map((c) => ({ ...c, pid: c.pid }));
  const before = watched.map((c) => processTicks(c.pid, c.group, c.children));
  const machineBefore = machineTicks();
  return {
    stop() {
      const seconds = (performance.now() - startedAt) / 1000;
      const machineAfter = machineTicks();
      if (!machineBefore || !machineAfter || seconds <= 0) return null;
      const cores = availableParallelism();
      const hz = clockTicks();
      const measured: CpuComponent[] = [];
      watched.forEach((c, i) => {
        const after = processTicks(c.pid, c.group, c.children);
        const start = before[i];
        if (after === undefined || start === undefined) return;
        measured.push({ name: c.name, pid: c.pid, percent: ((after - start) / hz / seconds) * 100, singleThreaded: c.singleThreaded });
      });
      const totalTicks = machineAfter.total - machineBefore.total;
      const machinePercent = totalTicks > 0 ? ((machineAfter.busy - machineBefore.busy) / totalTicks) * cores * 100 : 0;
      return { seconds, cores, machinePercent, components: measured };
    },
  };
}

/** What limited the run, as far as CPU tells: a saturated single-threaded component, or a full machine. */
export function cpuLimits(usage: CpuUsage): string[] {
  const limits: string[] = [];
  for (const c of usage.components) {
    if (c.singleThreaded && c.percent >= 90) limits.push(`${c.name} used ${Math.round(c.percent)}% of its one core: it may have limited this run`);
  }
  if (usage.machinePercent >= 0.9 * usage.cores * 100) {
    limits.push(`the machine was ${Math.round(usage.machinePercent / usage.cores)}% busy across ${usage.cores} cores: every component was short of CPU`);
  }
  return limits;
}
