/**
 * Several histories of one load, made at the same time by several drivers (k6-operator's pods,
 * couponbench on several machines), as one run: lined up by their wall-clock start, requests in
 * the order their answers came back, the VU curves added. A user id seen in several parts is one
 * user, so the identity audit treats them as the service did.
 */
import type { LoadRun } from '../load/driver.js';
import { addedVus, mergedLog } from '../load/merge.js';
import type { LoadedHistory } from './read.js';

export function mergeHistories(parts: LoadedHistory[]): LoadedHistory {
  if (parts.length === 1) return parts[0]!;
  const starts = parts.map((p) => Date.parse(p.run.startedAt));
  const t0 = Math.min(...starts);
  const offsets = starts.map((s) => s - t0);
  const log = mergedLog(parts.map((p) => p.run.log), offsets);
  const durationMs = Math.max(...parts.map((p, i) => offsets[i]! + p.run.durationMs));
  const vuSamples = addedVus(parts.map((p, i) => p.run.vuSamples.map((s) => ({ atMs: s.atMs + offsets[i]!, vus: s.vus }))));
  // The stock before the load is what the first part to start read.
  const first = parts.map((p, i) => ({ p, start: starts[i]! })).filter(({ p }) => p.header?.baseline).sort((a, b) => a.start - b.start)[0]?.p;
  const sources = new Set(parts.map((p) => p.source));
  const run: LoadRun = { startedAt: new Date(t0).toISOString(), durationMs, log, vuSamples };
  return {
    source: sources.size === 1 ? parts[0]!.source : 'mixed',
    parts: parts.length,
    run,
    ...(parts[0]!.header ? { header: { ...parts[0]!.header, startedAt: run.startedAt, durationMs, ...(first?.header?.baseline ? { baseline: first.header.baseline } : {}) } } : {}),
  };
}
