/** Everything that renders or judges reports, from fixture reports: no database, snapshots. */
import chalk from 'chalk';
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { aggregateRows, comparisonRow } from '../../src/report/comparison.js';
import { collectReports, readReport, writeReport } from '../../src/report/files.js';
import { EXPORTERS } from '../../src/report/formats/index.js';
import { formatGate, gateExitCode, gateReport, nothingServed } from '../../src/report/gate.js';
import { faultsRun } from '../../src/report/comparison.js';
import { exitByVerdict } from '../../src/commands/verdict.js';
import { renderRun } from '../../src/report/runTables.js';
import { ReportSchema, serialiseReport, type Report } from '../../src/report/schema.js';
import { verdictCell } from '../../src/report/sections.js';
import { checkThreshold, parseThreshold } from '../../src/report/thresholds.js';
import { renderComparison } from '../../src/commands/output.js';
import { UsageError } from '../../src/errors.js';
import { fixtureCast, fixtureReport } from '../fixtures/reports.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const cast = fixtureCast();
const loaded = (...reports: Report[]) => reports.map((report) => ({ report, file: `${report.id}.json` }));

beforeAll(() => {
  chalk.level = 0;
});

describe('comparison formats', () => {
  const reports = loaded(cast.none, cast.atomic, cast.spin);

  it('table', () => expect(renderComparison(reports, 'table')).toMatchSnapshot());
  it('markdown', () => expect(renderComparison(reports, 'markdown')).toMatchSnapshot());
  it('json rows parse back as data', () => {
    const parsed = JSON.parse(renderComparison(reports, 'json')) as { scenario: string; rows: Array<{ key: string }> };
    expect(parsed.scenario).toBe('fixture');
    expect(parsed.rows.map((r) => r.key)).toEqual(['none', 'mysql-atomic', 'redis-spin']);
    expect(renderComparison(reports, 'json')).toMatchSnapshot();
  });

  it('every format is one exporter file behind one interface', () => {
    expect(Object.keys(EXPORTERS).sort()).toEqual(['html', 'json', 'markdown', 'table']);
  });
});

describe('run tables', () => {
  it('a reproduced race', () => expect(renderRun(cast.none)).toMatchSnapshot());
  it('a lock that times out, with client timeouts', () => expect(renderRun(cast.spin)).toMatchSnapshot());
});

describe('thresholds read the printed metrics', () => {
  it('`failed` is exactly http_req_failed; `unserved` adds lock timeouts', () => {
    const s = cast.spin.load;
    expect(s.outcomes.failed).toBe(5 + 3); // client timeouts + failed:redis_error; not the 200 lock timeouts
    expect(s.outcomes.unserved).toBe(5 + 3 + 200);
    expect(renderRun(cast.spin)).toMatch(new RegExp(`http_req_failed\\s+│ ${((100 * 8) / s.requests).toFixed(2)}%`));
    expect(checkThreshold(parseThreshold('failed<2%'), cast.spin)).toMatchObject({ ok: true, actual: (100 * 8) / s.requests });
    expect(checkThreshold(parseThreshold('unserved<1%'), cast.spin)).toMatchObject({ ok: false, actual: (100 * 208) / s.requests });
    expect(checkThreshold(parseThreshold('lock_timeout<30%'), cast.spin).actual).toBeCloseTo((100 * 200) / s.requests);
  });

  it('parse k6-style expressions with units', () => {
    expect(parseThreshold('p95<500ms')).toMatchObject({ metric: 'p95', op: '<', value: 500 });
    expect(parseThreshold('p99 <= 2s')).toMatchObject({ metric: 'p99', op: '<=', value: 2000 });
    expect(parseThreshold('issued_rate>800')).toMatchObject({ metric: 'issued_rate', op: '>', value: 800 });
    expect(() => parseThreshold('p95 fast')).toThrow(UsageError);
    expect(() => parseThreshold('speed<3')).toThrow(/unknown metric "speed"/);
    expect(() => parseThreshold('failed<3ms')).toThrow(/measured in %/);
  });
});

describe('integrity gate', () => {
  it('keeps a promise, expects a violation where none is promised, fails a broken promise, and applies thresholds', () => {
    const results = [
      gateReport(cast.none, [], 'none.json'),
      gateReport(cast.atomic, [parseThreshold('failed<1%')], 'atomic.json'),
      gateReport(cast.atomicBroken, [], 'broken.json'),
      gateReport(cast.spin, [parseThreshold('p95<1ms')], 'spin.json'),
    ];
    expect(results.map((r) => r.integrity)).toEqual(['violation-expected', 'kept', 'violated', 'kept']);
    expect(gateExitCode(results)).toBe(1);
    expect(gateExitCode([results[0]!, results[3]!])).toBe(99);
    expect(gateExitCode([results[0]!, results[1]!])).toBe(0);
    expect(formatGate(results)).toMatchSnapshot();
  });

  it('fails "race not reproduced" when a no-promise strategy shows no violation', () => {
    const quiet = fixtureReport({ strategy: 'none', results: { issued: 10 } });
    const g = gateReport(quiet, []);
    expect(g.integrity).toBe('race-not-reproduced');
    expect(g.message).toMatch(/^the race was not reproduced: none promises no integrity/);
  });
});

describe('a run that served nothing (issue 15: the gate passed it)', () => {
  const cases: Array<[string, Record<string, number>, string]> = [
    ['no request', {}, 'no request was sent'],
    ['connection errors', { conn_error: 3021 }, 'no request was served: 3,021 connection errors'],
    ['client timeouts', { timeout: 40 }, 'no request was served: 40 client timeouts'],
    ['redirects', { http_302: 500 }, 'no request was served: 500 HTTP 302 answers outside the contract'],
    ['5xx and timeouts', { 'failed:db_connection': 7, timeout: 2 }, 'no request was served: 7 failed:db_connection, 2 client timeouts'],
  ];
  it.each(cases)('%s: the gate fails it and says what happened instead', (_name, results, why) => {
    const report = fixtureReport({ strategy: 'mysql-atomic', results });
    expect(report.audit.verdict).toBe('pass'); // nothing happened, so nothing was violated...
    expect(nothingServed(report)).toBe(why);
    const g = gateReport(report, []);
    expect(g.integrity).toBe('nothing-served'); // ...which proves nothing
    expect(g.passed).toBe(false);
    expect(g.message).toMatch(new RegExp(`^${why.replace(/[()]/g, '\\$&')} on 2 instances: an audit of no answers proves nothing`));
    expect(gateExitCode([g])).toBe(1);
    const stream = new PassThrough();
    expect(exitByVerdict([{ report, file: 'r.json' }], { thresholds: [] }, stream)).toBe(1);
    expect(String(stream.read())).toBe(`✗ mysql-atomic: ${why}\n`);
  });

  it('a run of refusals only was served: sold out at once is an answer (a test of refusals, --allow-no-issue)', () => {
    const report = fixtureReport({ strategy: 'mysql-atomic', results: { sold_out: 20 } });
    expect(nothingServed(report)).toBeUndefined();
    expect(gateReport(report, [], undefined, { allowNoIssue: true }).integrity).toBe('kept');
  });
});

describe('passes that prove nothing (issue 24, items 8 and 9)', () => {
  it('"sold out" or "already issued" to everyone while stock remains fails, unless --allow-no-issue', () => {
    for (const results of [{ sold_out: 200 }, { already_issued: 200 }] as Array<Record<string, number>>) {
      const report = fixtureReport({ strategy: 'mysql-atomic', quantity: 50, results });
      expect(report.audit.verdict).toBe('pass');
      const g = gateReport(report, []);
      expect(g.integrity).toBe('nothing-issued');
      expect(g.passed).toBe(false);
      expect(g.message).toMatch(/^nothing was issued; stock 50 left \(answers: 200 (sold_out|already_issued)\) on 2 instances: an audit of no issues proves nothing/);
      expect(gateReport(report, [], undefined, { allowNoIssue: true }).integrity).toBe('kept');
      const stream = new PassThrough();
      expect(exitByVerdict([{ report, file: 'r.json' }], { thresholds: [] }, stream)).toBe(1);
      expect(String(stream.read())).toMatch(/^✗ mysql-atomic: nothing was issued; stock 50 left/);
      expect(exitByVerdict([{ report, file: 'r.json' }], { thresholds: [], allowNoIssue: true }, new PassThrough())).toBe(0);
    }
  });

  it('a fault that failed to act, or was never due, is not survived: the gate says it did not act', () => {
    const report = fixtureReport({ strategy: 'mysql-atomic', results: { issued: 20, sold_out: 5 } });
    report.faults = [
      { kind: 'pause-holder', startS: 1, endS: 1, target: '', events: [{ type: 'failed', message: 'service.lockHolder: tried to write' }], livenessS: null },
      { kind: 'latency', link: 'mysql', startS: 9, endS: 9, target: '-', events: [{ type: 'not-run' }], livenessS: null },
    ];
    expect(faultsRun(report)).toEqual([]);
    const g = gateReport(report, []);
    expect(g.integrity).toBe('fault-not-run');
    expect(g.passed).toBe(false);
    expect(g.message).toBe(
      'pause-holder did not act (failed: service.lockHolder: tried to write), latency#mysql did not act (not run: the load ended before it was due) on 2 instances: a run under a fault that never happened proves nothing about it',
    );
  });
});

describe('matrix --repeat: a row comes from consistent data (bug 4)', () => {
  it('verdict is the worst of K, every count the per-field median, the failing run named', () => {
    const runs = [
      fixtureReport({ strategy: 'mysql-atomic', id: 'aaaaaaaa-1', results: { issued: 100 } }),
      fixtureReport({ strategy: 'mysql-atomic', id: 'bbbbbbbb-2', results: { issued: 100 }, lost: 5, extraRows: 0 }),
      fixtureReport({ strategy: 'mysql-atomic', id: 'cccccccc-3', results: { issued: 100 } }),
    ];
    const row = aggregateRows(runs.map((r) => comparisonRow(r)));
    expect(row.integrity.verdict).toBe('fail');
    expect(row.integrity.lostDecrements).toBe(0); // median of 0, 5, 0
    expect(row.integrity.found).toBe(900); // median of 900, 905, 900: not the failing run's 905
    expect(row.runs.map((r) => r.verdict)).toEqual(['pass', 'fail', 'pass']);
    expect(verdictCell(row)).toBe('FAIL in 1 of 3 runs: bbbbbbbb');
    const none = aggregateRows(
      [fixtureReport({ strategy: 'none', id: 'dddddddd', results: { issued: 10 } }), fixtureReport({ strategy: 'none', id: 'eeeeeeee', results: { issued: 10 }, lost: 2 })].map((r) => comparisonRow(r)),
    );
    expect(verdictCell(none)).toBe('pass (race not seen) in 1 of 2 runs: dddddddd'); // the worst for the gate
  });
});

describe('rows are keyed by strategy and the configuration that changes its promise (bug 7)', () => {
  it('compare keeps in-process on 1 and on 2 instances as two rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-keys-'));
    await writeReport(fixtureReport({ strategy: 'in-process', instances: 1, results: { issued: 50 }, createdAt: '2026-11-24T00:00:01.000Z' }), undefined, dir);
    await writeReport(fixtureReport({ strategy: 'in-process', instances: 2, results: { issued: 50 }, lost: 4, createdAt: '2026-11-24T00:00:02.000Z' }), undefined, dir);
    const latest = await collectReports([], dir);
    expect(latest.map((r) => `${r.report.config.strategy} ×${r.report.config.instances}`).sort()).toEqual(['in-process ×1', 'in-process ×2']);
    const text = renderComparison(latest, 'markdown');
    expect(text).toMatch(/\| in-process ×1 \| single-instance \|.*\| PASS \|/);
    expect(text).toMatch(/\| in-process ×2 \| single-instance \|.*\| fail \(expected\) \|/);
  });

  it('report --html refuses reports of different loads, as compare does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-scen-'));
    const a = (await writeReport(fixtureReport({ strategy: 'none', scenario: 'smoke', results: { issued: 5 }, lost: 1 }), join(dir, 'a.json'))).file;
    // Issue 25: a load is what a run was made under, whatever the scenario is called; each setting that differs is said.
    const b = (await writeReport(fixtureReport({ strategy: 'none', scenario: 'sold-out', quantity: 500, results: { issued: 5 }, lost: 1 }), join(dir, 'b.json'))).file;
    for (const args of [['report', a, b, '--html', join(dir, 'x.html')], ['compare', a, b]]) {
      const r = await execa('node', [BIN, ...args], { reject: false });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe('couponbench: these reports were made under different loads; compare runs of one load at a time:\n  quantity: 1,000 in 1 report, 500 in 1 report');
    }
  });
});

describe('HTML format (bug 8: the colouring is checked)', () => {
  const html = EXPORTERS.html.render({ scenario: 'fixture', rows: loaded(cast.none, cast.atomic, cast.atomicBroken).map((r) => comparisonRow(r.report)), reports: [cast.none, cast.atomic, cast.atomicBroken] });

  /** The verdict cell (last cell) of the integrity table's row whose first cell is `label`. */
  function verdictOf(label: string, nth = 0): string {
    const integrity = html.slice(html.indexOf('<h2>integrity</h2>'), html.indexOf('<h2>throughput'));
    const rows = [...integrity.matchAll(/<tr><td class="">([^<]+)<\/td>.*?(<td class="[a-z]*">[^<]*<\/td>)<\/tr>/g)].filter((m) => m[1] === label);
    return rows[nth]![2]!;
  }

  it('colours each verdict by whether it is what the promise says', () => {
    expect(verdictOf('none')).toBe('<td class="good">fail (expected)</td>');
    expect(verdictOf('mysql-atomic', 0)).toBe('<td class="good">PASS</td>');
    expect(verdictOf('mysql-atomic', 1)).toBe('<td class="bad">FAIL</td>');
    expect(html).toMatch(/td\.bad \{ color: #b00/);
    expect(html).toMatch(/td\.good \{ color: #070/);
  });

  it('is one self-contained file: no external scripts, styles or fonts', () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/);
    expect(html).toContain('lost decrements');
  });
});

describe('one serialisation of a report (bug 6)', () => {
  it('the file holds exactly serialiseReport, which drops what the schema does not know', async () => {
    const withExtra = { ...cast.atomic, inMemoryOnly: 1 } as Report;
    const text = serialiseReport(withExtra);
    expect(text).not.toContain('inMemoryOnly');
    const dir = mkdtempSync(join(tmpdir(), 'cb-ser-'));
    const { file, json } = await writeReport(withExtra, join(dir, 'r.json'));
    expect(json).toBe(text);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(await readReport(file)).toEqual(ReportSchema.parse(cast.atomic));
  });
});
