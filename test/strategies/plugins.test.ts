/** Plugin strategies (issue #8, part 2): a user's ES module runs in the embedded server like a built-in. */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { readReport } from '../../src/report/files.js';

const ROOT = packageRoot();
const BIN = join(ROOT, 'bin', 'couponbench.js');
const EXAMPLE = join(ROOT, 'examples', 'strategies', 'mysql-nowait.js');
const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'strategies', name);
const out = mkdtempSync(join(tmpdir(), 'cb-plugins-'));
const infra = () => ['--infra', 'external', '--mysql-url', inject('mysqlUrl'), '--redis-url', inject('redisUrls')[0]!, '--database', 'cb_plugins'];
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: out });

describe('plugin strategies', () => {
  it('the shipped example races on 2 instances, keeps integrity, and passes the gate', async () => {
    const r = await cli(['run', '-s', EXAMPLE, '--duration', '2s', '--gate', '--out', join(out, 'nowait.json'), ...infra()]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/✓ mysql-nowait: mysql-nowait kept integrity on 2 instances/);
    const report = await readReport(join(out, 'nowait.json'));
    expect(report.config).toMatchObject({ strategy: 'mysql-nowait', strategyModule: EXAMPLE, promise: 'across-instances', instances: 2 });
    expect(report.load.results.lock_timeout ?? 0).toBeGreaterThan(0); // NOWAIT refusals under the race
    expect(report.audit.identity).toMatchObject({ ok: report.audit.rows, lost: 0, unexpected: 0 });
  });

  it('a plugin that promises integrity it does not keep fails the gate', async () => {
    const r = await cli(['run', '-s', fixture('naive-but-promises.js'), '--duration', '2s', '--gate', '-q', ...infra()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/✗ naive-but-promises: naive-but-promises promises integrity on 2 instances but broke it: .*lost decrements/);
  });

  it('a code pool handed out by look-then-take gives one code to two winners, and the audit says so (issue 18)', async () => {
    const r = await cli(['run', '-s', fixture('pool-check-then-take.js'), '--duration', '1s', '--quantity', '300', '--user-pool', '100000', '--gate', '-q', '--out', join(out, 'pool.json'), ...infra()]);
    expect(r.exitCode).toBe(1);
    const report = await readReport(join(out, 'pool.json'));
    expect(report.audit.codesHeldTwice).toBeGreaterThan(0);
    expect(report.audit.violations.map((v) => v.kind)).toContain('code_held_twice');
    expect(r.stderr).toMatch(/✗ pool-check-then-take: .* broke it: .*rows? hold a code another row holds too/);
  });

  it('runs in a matrix beside built-ins, with its own row', async () => {
    const r = await cli(['matrix', '--strategies', `mysql-atomic,${EXAMPLE}`, '--duration', '1s', '--no-calibrate', '--format', 'markdown', '--reports-dir', join(out, 'm'), ...infra()]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| mysql-atomic \| across-instances \|/);
    expect(r.stdout).toMatch(/\| mysql-nowait \| across-instances \|.*\| PASS \|/);
  });

  it('refuses, in one line and before starting anything, a module that is not a strategy', async () => {
    const bad = await cli(['run', '-s', fixture('not-a-strategy.js'), ...infra()]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toBe(
      `couponbench: strategy file ${fixture('not-a-strategy.js')} does not export a valid strategy: ` +
        'promise Invalid option: expected one of "none"|"single-instance"|"across-instances"; create must be a function',
    );
    const dir = mkdtempSync(join(tmpdir(), 'cb-plugin-'));
    writeFileSync(join(dir, 'none.js'), "export default { name: 'none', promise: 'none', create: () => ({ issue: async () => ({ result: 'sold_out' }) }) };");
    writeFileSync(join(dir, 'nothing.js'), 'export const x = 1;');
    const taken = await cli(['run', '-s', join(dir, 'none.js'), ...infra()]);
    expect(taken.stderr.trim()).toBe(`couponbench: strategy file ${join(dir, 'none.js')} is named "none" like a built-in strategy; give it a name of its own`);
    const empty = await cli(['run', '-s', join(dir, 'nothing.js'), ...infra()]);
    expect(empty.stderr.trim()).toBe(`couponbench: strategy file ${join(dir, 'nothing.js')} has no default export (export default { name, promise, create })`);
    const missing = await cli(['run', '-s', './nope.js', ...infra()]);
    expect(missing.stderr.trim()).toBe(`couponbench: strategy file ${join(out, 'nope.js')} does not exist`);
  });
});
