/**
 * Outputs (issue 24, item 4): a report or history never replaces a device, a pipe or a link with a
 * file, never overwrites an input of the same command or another output, and a bad path is
 * refused in one line before anything starts.
 */
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { assertOutputs, writeFileAtomic } from '../src/atomicFile.js';
import { BIN } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-outputs-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir, timeout: 30_000 });

const TARGET = {
  name: 'outputs',
  request: { url: 'http://127.0.0.1:9/issue' },
  outcomes: [{ status: 200, outcome: 'issued' }],
  redis: 'redis://127.0.0.1:9',
  audit: { quantity: { redis: 'GET stock' } },
};

describe('where a command writes', () => {
  it('writes through a symbolic link to its file, and refuses a device, a pipe or a dangling link', async () => {
    const real = join(dir, 'real.json');
    writeFileSync(real, 'old');
    const link = join(dir, 'link.json');
    symlinkSync(real, link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, 'utf8')).toBe('new');

    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(writeFileAtomic(fifo, 'x')).rejects.toThrow(`the output ${fifo} is a named pipe, not a file`);
    expect(statSync(fifo).isFIFO()).toBe(true);
    symlinkSync(join(dir, 'nowhere', 'x.json'), join(dir, 'dangling.json'));
    await expect(assertOutputs({ '--out': join(dir, 'dangling.json') })).rejects.toThrow('is a symbolic link to nothing');
  });

  it('run refuses /dev/full and an empty path in one line before anything starts; /dev/null stays a device', async () => {
    const full = await cli(['run', '-s', 'none', '--out', '/dev/full', '--duration', '1s']);
    expect(full.exitCode).toBe(2);
    expect(full.stderr.trim()).toBe('couponbench: --out /dev/full is a character device, not a file: couponbench writes a file in its place; give a file path');
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    await expect(assertOutputs({ '--history': '/dev/null' })).rejects.toThrow('--history /dev/null is a character device, not a file');
    await expect(writeFileAtomic('/dev/null', 'x')).rejects.toThrow('the output /dev/null is a character device');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const empty = await cli(['run', '-s', 'none', '--out', '', '--duration', '1s']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr.trim()).toBe('couponbench: --out: an empty path; give a file path');
    expect(empty.stdout).toBe('');
  });

  it('refuses an output that is an input of the command, or another output', async () => {
    const target = join(dir, 'target.yaml');
    writeFileSync(target, toYaml(TARGET));
    const before = readFileSync(target, 'utf8');
    const overTarget = await cli(['run', '--target', target, '--out', './target.yaml']);
    expect(overTarget.exitCode).toBe(2);
    expect(overTarget.stderr.trim()).toBe('couponbench: --out ./target.yaml is the --target file: it would be overwritten; give --out a path of its own');
    expect(readFileSync(target, 'utf8')).toBe(before);

    const x = join(dir, 'x.json');
    await expect(assertOutputs({ '--out': x, '--history': join(dir, '.', 'x.json') })).rejects.toThrow(`--history ${x} is the --out file: it would be overwritten; give --history a path of its own`);
    const history = join(dir, 'h.ndjson');
    writeFileSync(history, '');
    symlinkSync(history, join(dir, 'h-link.ndjson'));
    await expect(assertOutputs({ '--out': join(dir, 'h-link.ndjson') }, { '--history': [history] })).rejects.toThrow(`is the --history file: it would be overwritten`);
  });
});
