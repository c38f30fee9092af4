import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOverrides, bundledScenarioNames, loadScenario, parseStagesFlag, peakVUs, totalDuration } from '../src/config.js';
import { parseDuration } from '../src/duration.js';
import { UsageError } from '../src/errors.js';

function scenarioFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'cb-scenario-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('durations', () => {
  it('reads k6 notation and bare seconds', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('2')).toBe(2);
    expect(() => parseDuration('ten seconds')).toThrow(/not a duration/);
  });
});

describe('scenario files', () => {
  it('every bundled scenario parses, including the seed-shaped ones', async () => {
    const names = await bundledScenarioNames();
    expect(names).toEqual(expect.arrayContaining(['smoke', 'seed-no-lock', 'seed-ramp', 'seed-ramp-100k', 'sold-out']));
    const ramp = await loadScenario('seed-ramp');
    expect(ramp.stages).toEqual([{ duration: 10, target: 2000 }, { duration: 80, target: 2000 }]);
    expect(ramp.thinkTime).toBe(1);
    expect(ramp.quantity).toBe(50_000);
    const noLock = await loadScenario('seed-no-lock');
    expect(noLock.startVUs).toBe(1000);
    expect(totalDuration(noLock)).toBe(30);
  });

  it('names the path of a bad field', async () => {
    const file = scenarioFile({ quantity: 10, userPool: 10, stages: [{ duration: '10s', target: -1 }] });
    await expect(loadScenario(file)).rejects.toThrow(UsageError);
    await expect(loadScenario(file)).rejects.toThrow(/stages\.0\.target/);
  });

  it('rejects unknown fields, bad durations and a missing load shape', async () => {
    await expect(loadScenario(scenarioFile({ quantity: 1, userPool: 1, vus: 1, duration: '1s', colour: 'red' }))).rejects.toThrow(/colour/);
    await expect(loadScenario(scenarioFile({ quantity: 1, userPool: 1, vus: 1, duration: 'soon' }))).rejects.toThrow(/duration: "soon" is not a duration/);
    await expect(loadScenario(scenarioFile({ quantity: 1, userPool: 1 }))).rejects.toThrow(/stages: give either/);
    await expect(loadScenario(scenarioFile('{not json'))).rejects.toThrow(/not valid JSON/);
    await expect(loadScenario('no-such-scenario')).rejects.toThrow(/bundled: .*smoke/);
  });

  it('flags override fields; --vus/--duration turn the shape into constant VUs', async () => {
    const base = await loadScenario('seed-ramp');
    const s = applyOverrides(base, { quantity: 7, vus: 30, duration: 5 });
    expect(s.quantity).toBe(7);
    expect(s.stages).toEqual([{ duration: 5, target: 30 }]);
    expect(s.startVUs).toBe(30);
    // Named by what changed, so two loads never share a name; changed again, each flag is named once.
    expect(s.name).toBe('seed-ramp quantity=7 vus=30 duration=5');
    expect(applyOverrides(s, { thinkTime: 0 }).name).toBe('seed-ramp quantity=7 vus=30 duration=5 thinkTime=0');
    const d = applyOverrides(base, { duration: 12 });
    expect(peakVUs(d)).toBe(2000);
    expect(totalDuration(d)).toBe(12);
    expect(parseStagesFlag('10s:2000,1m20s:2000')).toEqual([{ duration: 10, target: 2000 }, { duration: 80, target: 2000 }]);
    expect(() => parseStagesFlag('10s')).toThrow(/DURATION:TARGET/);
  });
});
