/**
 * Inputs (issue 24, items 5, 10 and 13): every file a user names is read with a bound and
 * recognised for what it is, so /dev/zero, a folder, a line without end, a truncated .gz or a
 * file of a million rules is one line and exit 2 before anything starts; the same history given
 * twice (or a copy of it) is refused instead of counted twice. The readers are called directly;
 * two runs of the command show the refusal as the user sees it.
 */
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveStrategyRef } from '../strategies/index.js';
import { loadScenario } from '../src/config.js';
import { UsageError } from '../src/errors.js';
import { openLink } from '../src/faults/links/proxy.js';
import { readHistories } from '../src/history/read.js';
import { Resources } from '../src/lifecycle.js';
import { packageRoot } from '../src/paths.js';
import { assertLoopbackTarget, loadTarget } from '../src/service/file.js';
import { BIN } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-inputs-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir, timeout: 30_000 });
const K6 = join(packageRoot(), 'test', 'fixtures', 'histories', 'k6-shop.json');
const K6_OPTIONS = { userTag: 'userId', readStatus: () => 'issued' as const };

function target(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'inputs',
    request: { url: 'https://127.0.0.1:9/issue' },
    outcomes: [{ status: 200, outcome: 'issued' }],
    redis: 'redis://127.0.0.1:9',
    audit: { quantity: { redis: 'GET stock' } },
    ...extra,
  };
}

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** The one line a refusal is: a UsageError (exit 2), whose message the command prints after "couponbench: ". */
async function refusal(work: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await work();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('not refused');
}

describe('input files', () => {
  const t = write('t.yaml', toYaml(target()));

  it('a device, a folder or an endless file is named for what it is, in one line with exit 2 from the command', async () => {
    const r = await cli(['run', '-s', '/dev/zero']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('couponbench: strategy file /dev/zero is a character device, not a file');
    expect(await refusal(() => loadTarget('/dev/zero'))).toBe('target file /dev/zero is a character device, not a file');
    expect(await refusal(() => loadScenario('/dev/zero'))).toBe('scenario file /dev/zero is a character device, not a file');
    expect(await refusal(() => resolveStrategyRef('/dev/zero'))).toBe('strategy file /dev/zero is a character device, not a file');
    expect(await refusal(() => loadTarget(t, { ca: '/dev/zero' }))).toBe('--ca /dev/zero is a character device, not a file');
    mkdirSync(join(dir, 'ca-folder'));
    expect(await refusal(() => loadTarget(t, { ca: join(dir, 'ca-folder') }))).toBe(`--ca ${join(dir, 'ca-folder')} is a folder, not a file`);
    expect(await refusal(() => readHistories(['/dev/zero'], K6_OPTIONS))).toBe('history file /dev/zero is a character device, not a file');
  });

  it('a file beyond its size, a line beyond its length, or a list beyond its length is refused', async () => {
    const huge = write('huge.yaml', `${toYaml(target())}\n# ${'x'.repeat(2 << 20)}\n`);
    expect(await refusal(() => loadTarget(huge))).toBe(`target file ${huge} is 2.0 MB; an input of this kind is at most 1 MB`);
    const endless = write('endless.ndjson', Buffer.alloc(200_000, 'a'));
    expect(await refusal(() => readHistories([endless], K6_OPTIONS))).toBe(`history file ${endless}, line 1: longer than 64 kB, not a request line`);
    const rules = Array.from({ length: 101 }, (_, i) => ({ status: 200 + (i % 99), outcome: 'issued' }));
    const many = write('many.yaml', toYaml(target({ outcomes: rules })));
    expect(await refusal(() => loadTarget(many))).toBe(`target file ${many}: outcomes: at most 100 rules`);
  });

  it('a truncated .gz history names its file', async () => {
    const whole = gzipSync(readFileSync(K6));
    const cut = write('cut.json.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    expect(await refusal(() => readHistories([cut], K6_OPTIONS))).toBe(`history file ${cut}: not a whole gzip file (unexpected end of file); was it cut short?`);
  });

  it('the same history twice, or a copy of it, is refused rather than counted twice', async () => {
    const r = await cli(['audit', '--target', t, '--history', K6, '--history', K6, '--quantity', '5']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`couponbench: history file ${K6} is given twice: each part of a load is read once`);
    const copy = join(dir, 'copy.json');
    copyFileSync(K6, copy);
    expect(await refusal(() => readHistories([K6, copy], K6_OPTIONS))).toMatch(
      new RegExp(`^history files ${K6.replace(/[.]/g, '\\.')} and ${copy.replace(/[.]/g, '\\.')} hold \\d+ of the same requests \\(a copy, or one part given twice\\): each part of a load is read once$`),
    );
  });

  it('every problem of a scenario file is shown, none hidden behind a count', async () => {
    const bad = write('bad-scenario.json', JSON.stringify({ quantity: -1, stages: [{ duration: 'x', target: 1 }] }));
    const line = await refusal(() => loadScenario(bad));
    expect(line).toMatch(/quantity: .*; .*stages\.0\.duration: "x" is not a duration/);
    expect(line).not.toMatch(/more\)/);
  });
});

describe('a target file refused before anything starts (issue 24, item 13)', () => {
  const service = (extra: Record<string, unknown> = {}) => ({ command: 'node -e "setInterval(()=>{},1000)"', ports: [39071], ready: { tcp: '{port}' }, ...extra });
  const http = { request: { url: 'http://127.0.0.1:{port}/i' } };

  it('a port listed twice, a link listening on its own upstream, or an upstream that is one of the service ports', async () => {
    const twice = write('twice.yaml', toYaml(target({ ...http, service: service({ ports: [39071, 39071] }) })));
    expect(await refusal(() => loadTarget(twice))).toMatch(/service\.ports: a port is listed twice: one instance per port/);
    const loop = write('loop.yaml', toYaml(target({ links: { mysql: { upstream: '127.0.0.1:3306', listen: 3306 } } })));
    expect(await refusal(() => loadTarget(loop))).toMatch(/links\.mysql\.listen: 3306 is its upstream's own port: the proxy would connect to itself$/);
    const self = write('self.yaml', toYaml(target({ ...http, service: service(), links: { mysql: { upstream: '127.0.0.1:39071' } } })));
    expect(await refusal(() => loadTarget(self))).toMatch(/links\.mysql\.upstream: port 39071 is one of service\.ports/);
  });

  it('a link whose upstream is not on this machine, or answers nothing, and a service.cwd that is no folder', async () => {
    const remote = write('remote.yaml', toYaml(target({ links: { mysql: { upstream: '10.0.0.1:3306' } } })));
    const loaded = await loadTarget(remote);
    expect(await refusal(() => assertLoopbackTarget(loaded.target, false))).toBe('links.mysql.upstream 10.0.0.1:3306 is not on this machine (loopback); pass --allow-remote to put faults in front of another host');
    const resources = new Resources();
    try {
      expect(await refusal(() => openLink('mysql', '127.0.0.1:9', resources))).toBe('links.mysql: nothing answers at its upstream 127.0.0.1:9; start mysql there or correct links.mysql.upstream');
    } finally {
      await resources.releaseAll();
    }
    const nowhere = write('nowhere.yaml', toYaml(target({ ...http, service: service({ cwd: 'no-such-folder' }) })));
    expect(await refusal(() => loadTarget(nowhere))).toBe(`target file ${nowhere}: service.cwd: ${join(dir, 'no-such-folder')} is not a folder`);
  });
});
