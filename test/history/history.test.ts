/**
 * History files (src/history): a run's request log written and read back whole; parts of one load
 * made by several drivers lined up by wall-clock time; a part given twice, a cut line or a wrong
 * header refused in one line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistories, readHistory, type K6Options } from '../../src/history/read.js';
import { writeHistory } from '../../src/history/write.js';
import type { LoadRun } from '../../src/load/driver.js';
import { RequestLog } from '../../src/load/recorder.js';
import type { Observation } from '../../src/outcomes.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-history-'));
const K6: K6Options = { userTag: 'userId', readStatus: (status) => (status === 200 ? 'issued' : 'sold_out') };

function run(startedAt: string, requests: Array<[user: number, sentAtMs: number, latencyMs: number, status: number, observation: Observation]>): LoadRun {
  const log = new RequestLog();
  for (const [userId, sentAtMs, latencyMs, status, observation] of requests) log.add({ userId, sentAtMs, latencyMs, status, observation });
  return { startedAt, durationMs: 1000, log, vuSamples: [{ atMs: 0, vus: 2 }, { atMs: 500, vus: 1 }] };
}

const rows = (r: LoadRun) => Array.from({ length: r.log.length }, (_, i) => [r.log.userId.get(i), r.log.sentAtMs.get(i), r.log.status.get(i), r.log.observationOf(i)]);

describe('history files', () => {
  it('round-trips a run: every request, the VU curve and the baseline', async () => {
    const file = join(dir, 'one.ndjson');
    const written = run('2026-12-05T12:00:00.000Z', [[1, 0.5, 3.25, 200, 'issued'], [2, 1.5, 2, 409, 'sold_out'], [3, 2, 0, 0, 'client_timeout']]);
    await writeHistory(file, written, 'redis-spin', { quantity: 1 });
    const read = await readHistory(file, K6);
    expect(read.source).toBe('couponbench');
    expect(read.header).toMatchObject({ name: 'redis-spin', startedAt: '2026-12-05T12:00:00.000Z', baseline: { quantity: 1 }, vus: [[0, 2], [500, 1]] });
    expect(rows(read.run)).toEqual(rows(written));
  });

  it('lines parts of one load up by wall-clock time, and refuses a part given twice', async () => {
    const a = join(dir, 'a.ndjson');
    const b = join(dir, 'b.ndjson');
    await writeHistory(a, run('2026-12-05T12:00:00.000Z', [[1, 10, 5, 200, 'issued']]), 'shop', { quantity: 2 });
    await writeHistory(b, run('2026-12-05T12:00:00.100Z', [[2, 0, 5, 200, 'issued']]), 'shop');
    const merged = await readHistories([a, b], K6);
    expect(merged.parts).toBe(2);
    // b started 100 ms later: its request was sent at 100 ms on the merged clock; the first part's baseline is kept.
    expect(rows(merged.run)).toEqual([[1, 10, 200, 'issued'], [2, 100, 200, 'issued']]);
    expect(merged.header?.baseline).toEqual({ quantity: 2 });
    await expect(readHistories([a, a], K6)).rejects.toThrow(/^history file .*a\.ndjson is given twice: each part of a load is read once$/);
    const copy = join(dir, 'copy.ndjson');
    writeFileSync(copy, (await import('node:fs')).readFileSync(a));
    await expect(readHistories([a, copy], K6)).rejects.toThrow(/hold 1 of the same requests \(a copy, or one part given twice\)/);
  });

  it('refuses a line that is not a request, naming the file and line', async () => {
    const file = join(dir, 'bad.ndjson');
    await writeHistory(file, run('2026-12-05T12:00:00.000Z', [[1, 0, 1, 200, 'issued']]), 'x');
    writeFileSync(file, `${(await import('node:fs')).readFileSync(file, 'utf8')}{"user":1,"sentAtMs":\n`);
    await expect(readHistory(file, K6)).rejects.toThrow(/^history file .*bad\.ndjson, line 3: not JSON$/);
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    await expect(readHistory(empty, K6)).rejects.toThrow(/history file .*empty\.ndjson is empty/);
  });
});
