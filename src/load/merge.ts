/**
 * Request logs and VU curves made apart (by several driver workers, or several machines) put
 * together as one run's: requests in the order their answers came back, VU counts added.
 */
import type { VuSample } from './driver.js';
import { RequestLog } from './recorder.js';

/** Every request of every part, each part's times moved by its offset, in the order the answers came. */
export function mergedLog(logs: RequestLog[], offsets: number[]): RequestLog {
  // Typed arrays rather than an object per request: millions of requests sort in a few bytes each.
  const total = logs.reduce((n, log) => n + log.length, 0);
  const endMs = new Float64Array(total);
  const part = new Uint16Array(total);
  const local = new Uint32Array(total);
  let k = 0;
  logs.forEach((log, p) => {
    for (let i = 0; i < log.length; i++, k++) {
      endMs[k] = log.sentAtMs.get(i) + offsets[p]! + log.latencyMs.get(i);
      part[k] = p;
      local[k] = i;
    }
  });
  const order = new Uint32Array(total).map((_, i) => i).sort((a, b) => endMs[a]! - endMs[b]! || a - b);
  const merged = new RequestLog();
  for (const at of order) {
    const record = logs[part[at]!]!.record(local[at]!);
    merged.add({ ...record, sentAtMs: record.sentAtMs + offsets[part[at]!]! });
  }
  return merged;
}

/** The sum of step curves: at each moment any part changed, every part's last value (0 before its first sample). */
export function addedVus(curves: VuSample[][]): VuSample[] {
  const times = [...new Set(curves.flatMap((c) => c.map((s) => s.atMs)))].sort((a, b) => a - b);
  const next = curves.map(() => 0);
  const now = curves.map(() => 0);
  return times.map((atMs) => {
    curves.forEach((curve, k) => {
      while (next[k]! < curve.length && curve[next[k]!]!.atMs <= atMs) now[k] = curve[next[k]!++]!.vus;
    });
    return { atMs, vus: now.reduce((a, b) => a + b, 0) };
  });
}
