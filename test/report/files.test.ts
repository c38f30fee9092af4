/** A report's own file name: the time, the strategy, and the scenario named by what flags changed. */
import { describe, expect, it } from 'vitest';
import { applyOverrides } from '../../src/config.js';
import { reportFileName } from '../../src/report/files.js';
import { fixtureReport } from '../fixtures/reports.js';

describe('report file names', () => {
  it('name a changed scenario by its changes, in characters no shell expands', () => {
    const report = fixtureReport({ strategy: 'redis-spin', results: { issued: 5 }, createdAt: '2026-12-05T12:00:00.000Z' });
    expect(reportFileName(report)).toBe('2026-12-05T12-00-00-000Z-redis-spin-fixture.json');
    report.config.scenario = applyOverrides(report.config.scenario, { quantity: 7, faults: [{ kind: 'pause-holder', at: 1, duration: 2 }] });
    expect(report.config.scenario.name).toBe('fixture quantity=7 faults=pause-holder:1:2');
    expect(reportFileName(report)).toBe('2026-12-05T12-00-00-000Z-redis-spin-fixture-quantity-7-faults-pause-holder-1-2.json');
  });
});
