/**
 * Where the time went, in words: the p95 request split into its phases (from Server-Timing), and
 * the CPU each component used while the load ran. Shared by the run tables and the comparison.
 */
import chalk from 'chalk';
import Table from 'cli-table3';
import { cpuLimits, type CpuUsage } from '../cpu.js';
import { OUTSIDE_PART, UNTIMED_PART, type TimeBreakdown } from '../load/breakdown.js';
import { phaseLabel, TOTAL_PHASE } from '../serverTiming.js';
import { int, ms } from './format.js';
import type { Report } from './schema.js';

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

/** The run's "where the time goes" block: per-phase percentiles, the p95 line, CPU, and what limited it. */
export function timeTable(report: Report): string | undefined {
  const b = report.load.breakdown;
  const cpu = report.cpu;
  if (!b && !cpu) return undefined;
  const t = new Table({
    head: [],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colWidths: [20, 76],
    wordWrap: true,
  });
  if (b) {
    for (const p of b.phases) {
      t.push([p.name === TOTAL_PHASE ? 'in server (total)' : phaseLabel(p.name), `p50=${ms(p.p50)} p95=${ms(p.p95)}  (${int(p.count)} responses)`]);
    }
    t.push(['p95 request', `${breakdownLine(b.p95)}  (${b.fromS.toFixed(1)}-${b.toS.toFixed(1)}s)`]);
  } else {
    t.push(['server timing', chalk.dim('none: the service sent no Server-Timing header')]);
  }
  if (cpu) {
    t.push([`cpu (${cpu.cores} cores)`, `${cpuLine(cpu)}  (% of one core)`]);
    for (const limit of cpuLimits(cpu)) t.push(['', chalk.yellow(limit)]);
  }
  return t.toString();
}
