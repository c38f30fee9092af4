/** Reading a target file (JSON or YAML) and the checks that come before anything is sent. */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { assertInputFile, INPUT_LIMITS, readInputFile } from '../inputFile.js';
import { isLoopback } from '../infra/ports.js';
import { describeIssues, TargetFileSchema, type TargetFile } from './schema.js';
import { templateUrl } from './template.js';
import { tlsClientOptions } from './tls.js';

export interface LoadedTarget {
  /** Absolute path; shell reset steps run in its directory. */
  file: string;
  /** SHA-256 of the file's text: what the run was made with, whatever the file says later. */
  sha256: string;
  target: TargetFile;
}

/** `ca`: a CA certificate given on the command line (--ca), trusted instead of the file's tls.ca. */
export async function loadTarget(path: string, opts: { ca?: string } = {}): Promise<LoadedTarget> {
  const file = resolve(path);
  const text = await readInputFile(file, `target file ${file}`, INPUT_LIMITS.settings);
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new UsageError(`target file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = TargetFileSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`target file ${file}: ${describeIssues(parsed.error)}`);
  const target = parsed.data;
  if (opts.ca !== undefined) {
    assertInputFile(resolve(opts.ca), `--ca ${opts.ca}`, INPUT_LIMITS.certificate);
    if (!target.request.url.startsWith('https://')) throw new UsageError(`--ca is for https:// targets; ${target.name} is at ${target.request.url}`);
    target.tls = { ...target.tls, insecure: false, ca: resolve(opts.ca) };
  } else if (target.tls?.ca) target.tls.ca = resolve(dirname(file), target.tls.ca);
  tlsClientOptions(target.tls); // a missing or unreadable CA file is said now, before anything starts
  if (target.service) {
    const cwd = resolve(dirname(file), target.service.cwd);
    if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`target file ${file}: service.cwd: ${cwd} is not a folder`);
  }
  return { file, sha256: createHash('sha256').update(text).digest('hex'), target };
}

export function targetDir(loaded: LoadedTarget): string {
  return dirname(loaded.file);
}

/**
 * couponbench is a load generator: it sends only to this machine unless told otherwise, so a
 * copied target file cannot hammer a shared or production host by accident.
 */
export function assertLoopbackTarget(target: TargetFile, allowRemote: boolean): void {
  if (allowRemote) return;
  const urls = [target.request.url, ...(target.login ? [target.login.request.url] : [])];
  for (const url of urls) {
    const host = templateUrl(url).hostname.replace(/^\[|\]$/g, '');
    if (!isLoopback(host)) throw new UsageError(`${url} is not on this machine (loopback); pass --allow-remote to load another host`);
  }
  // A link's proxy slows, stalls and cuts what passes through it: never a shared database's by accident.
  for (const [name, link] of Object.entries(target.links)) {
    if (link && !isLoopback(link.upstream.split(':')[0]!)) throw new UsageError(`links.${name}.upstream ${link.upstream} is not on this machine (loopback); pass --allow-remote to put faults in front of another host`);
  }
}

