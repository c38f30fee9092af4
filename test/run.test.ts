/**
 * The one sequence (src/run.ts) with a system of the test's own whose load was recorded: prepare,
 * load, the history hook, observe, the audit; what a run started is stopped when it ends, and
 * what could not be stopped is said as a typed event, not lost.
 */
import { describe, expect, it } from 'vitest';
import { scenario } from './helpers.js';
import { Resources } from '../src/lifecycle.js';
import { RequestLog } from '../src/load/recorder.js';
import { runSystem, type RunConfig } from '../src/run.js';
import { noServerCounts } from '../src/server/counts.js';
import type { SystemUnderTest } from '../src/system/types.js';
import type { RunEvent } from '../src/timeline/events.js';
import { DEFAULT_STRATEGY_OPTIONS } from '../strategies/index.js';

const config: RunConfig = {
  strategy: 'recorded',
  scenario: scenario({ quantity: 3 }),
  instances: 1,
  poolSize: 1,
  host: '127.0.0.1',
  port: 0,
  database: 'couponbench',
  seed: 1,
  options: DEFAULT_STRATEGY_OPTIONS,
};

/** Three users asked, two were told issued, the store holds rows for users 1 and 3 (user 2's is missing) and the stock fell by 2. */
function recordedSystem(steps: string[], stopFails: boolean): SystemUnderTest {
  const log = new RequestLog();
  log.add({ userId: 1, sentAtMs: 0, latencyMs: 2, status: 200, observation: 'issued' });
  log.add({ userId: 2, sentAtMs: 1, latencyMs: 2, status: 200, observation: 'issued' });
  log.add({ userId: 3, sentAtMs: 2, latencyMs: 2, status: 409, observation: 'sold_out' });
  return {
    describe: () => ({ strategy: 'recorded', promise: 'across-instances', infra: 'external', survives: [] }),
    async prepare(hooks) {
      steps.push('prepare');
      hooks.resources.defer('the recorded service', async () => {
        steps.push('stopped');
        if (stopFails) throw new Error('it would not stop');
      });
      return { baseline: { quantity: 3 }, seedMs: 0, serverStartMs: 0, load: { kind: 'recorded', run: { startedAt: '2026-12-05T12:00:00.000Z', durationMs: 10, log, vuSamples: [] } } };
    },
    async observe() {
      steps.push('observe');
      return {
        snapshot: { finalQuantity: 1, rows: 2, duplicateUsers: 0, duplicateRows: 0, codesHeldTwice: 0 },
        holdings: new Map([[1, 1], [3, 1]]),
        issueOrder: [1, 3],
        versions: { database: 'PostgreSQL 15.8', redisVersion: 'n/a' },
        server: { ...noServerCounts(), warnings: { release_failed: 2 } },
      };
    },
  };
}

describe('runSystem', () => {
  it('prepares, loads, hands the load over, observes and audits, in that order; stops what it started', async () => {
    const steps: string[] = [];
    const events: RunEvent[] = [];
    const resources = new Resources();
    const report = await runSystem(recordedSystem(steps, false), config, {
      resources,
      onEvent: (e) => events.push(e),
      onLoadDone: async (run) => void steps.push(`load done (${run.log.length} requests)`),
    });
    expect(steps).toEqual(['prepare', 'load done (3 requests)', 'observe', 'stopped']);
    expect(resources.names()).toEqual([]);
    expect(events).toEqual([]);
    // User 2 was told "issued" and holds nothing; user 3 holds one nobody was told of.
    expect(report.audit.identity).toMatchObject({ lost: 1, unexpected: 1 });
    expect(report.audit.verdict).toBe('fail');
    expect(report.environment.database).toBe('PostgreSQL 15.8');
    expect(report.server.warnings.release_failed).toBe(2);
    expect(report.timings.loadMs).toBe(10);
  });

  it('says what it could not stop as a stop-failed event, and still returns the report', async () => {
    const steps: string[] = [];
    const events: RunEvent[] = [];
    const report = await runSystem(recordedSystem(steps, true), config, { resources: new Resources(), onEvent: (e) => events.push(e) });
    expect(report.audit.rows).toBe(2);
    expect(events).toEqual([{ type: 'stop-failed', what: 'the recorded service: it would not stop' }]);
  });
});
