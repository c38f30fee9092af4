import { writeStreamAtomic } from '../atomicFile.js';
import type { LoadRun } from '../load/driver.js';
import { HISTORY_TYPE, HISTORY_VERSION, type Baseline, type HistoryHeader } from './format.js';

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Write a run's request log as a history file, atomically (a temp file renamed into place). */
export async function writeHistory(file: string, run: LoadRun, name: string, baseline?: Baseline): Promise<void> {
  const header: HistoryHeader = {
    type: HISTORY_TYPE,
    version: HISTORY_VERSION,
    name,
    startedAt: run.startedAt,
    durationMs: round(run.durationMs),
    vus: run.vuSamples.map((s) => [round(s.atMs), s.vus]),
    ...(baseline ? { baseline } : {}),
  };
  await writeStreamAtomic(file, async (write) => {
    await write(`${JSON.stringify(header)}\n`);
    const { log } = run;
    let chunk = '';
    for (let i = 0; i < log.length; i++) {
      chunk += `{"user":${log.userId.get(i)},"sentAtMs":${round(log.sentAtMs.get(i))},"latencyMs":${round(log.latencyMs.get(i))},"status":${log.status.get(i)},"outcome":${JSON.stringify(log.observationOf(i))}}\n`;
      if (chunk.length > 1 << 16) {
        await write(chunk);
        chunk = '';
      }
    }
    await write(chunk);
  });
}
