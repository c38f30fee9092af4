/**
 * Where the time went, in words: the p95 request split into its phases (from Server-Timing), and
 * the CPU each component used while the load ran. Shared by the run tables and the comparison.
 */
import type { CpuUsage } from '../cpu.js';
import { OUTSIDE_PART, UNTIMED_PART, type TimeBreakdown } from '../load/breakdown.js';
import { phaseLabel } from '../serverTiming.js';
import { ms } from './format.js';

const PART_LABELS: Record<string, string> = {
  [UNTIMED_PART]: 'untimed in server',
  [OUTSIDE_PART]: 'outside server',
};

const partLabel = (name: string) => PART_LABELS[name] ?? phaseLabel(name);

/** "p95 1.62s = lock wait 1.48s + critical section 90.1ms + commit 50.2ms + outside server 0.80ms" */
export function breakdownLine(p95: TimeBreakdown['p95']): string {
  const parts = p95.parts.filter((p) => p.ms >= 0.005).map((p) => `${partLabel(p.name)} ${ms(p.ms)}`);
  return `p95 ${ms(p95.latency)} = ${parts.join(' + ') || '—'}`;
}

/** "driver 97% · server#1 45% · mariadbd 80% · machine 190% of 200%" (percent of one core). */
export function cpuLine(usage: CpuUsage): string {
  const parts = usage.components.map((c) => `${c.name} ${Math.round(c.percent)}%`);
  parts.push(`machine ${Math.round(usage.machinePercent)}% of ${usage.cores * 100}%`);
  return parts.join(' · ');
}
