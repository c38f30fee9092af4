/**
 * Read a history into the request log the audit works on: couponbench's own NDJSON, or k6's
 * `--out json` output (plain or .gz), whose `http_reqs` Points carry the user id as a tag.
 */
import { createReadStream, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../errors.js';
import { assertInputFile, boundedLines, INPUT_LIMITS } from '../inputFile.js';
import type { LoadRun } from '../load/driver.js';
import { RequestLog } from '../load/recorder.js';
import { CLIENT_ENDINGS, type Observation } from '../outcomes.js';
import { mergeHistories } from './merge.js';
import { HISTORY_TYPE, HistoryHeaderSchema, HistoryLineSchema, type HistoryHeader } from './format.js';

export interface LoadedHistory {
  /** Who wrote it; `mixed` for parts of both kinds merged. */
  source: 'couponbench' | 'k6' | 'mixed';
  /** How many files it was read from (merged parts). */
  parts?: number;
  run: LoadRun;
  /** Present for couponbench histories. */
  header?: HistoryHeader;
}

export interface K6Options {
  /** The tag that names the user of a request (k6: `params.tags.userId`). */
  userTag: string;
  /** How to read a response from its status (k6 keeps no bodies): the target's outcome rules. */
  readStatus: (status: number) => Observation;
}

/** Each path is a history file or a folder of them (`.ndjson`, `.jsonl`, `.json`, and those `.gz`), read and merged into one run. */
export async function readHistories(paths: string[], k6: K6Options): Promise<LoadedHistory> {
  const files = paths.flatMap(historyFiles);
  const named = new Map<string, string>();
  for (const file of files) {
    const real = realpathSync(file);
    const twice = named.get(real);
    if (twice !== undefined) throw new UsageError(`history file ${file} is given twice${twice === file ? '' : ` (as ${twice} too)`}: each part of a load is read once`);
    named.set(real, file);
  }
  const parts: LoadedHistory[] = [];
  for (const file of files) parts.push(await readHistory(file, k6));
  if (parts.length > 1) assertDistinctParts(files, parts);
  return mergeHistories(parts);
}

/**
 * The same request in two parts (a copy of a part, or a part given inside a folder and again by
 * name) would be counted twice: told "issued" twice, it invents rows that are missing. A request
 * is known by its user, the wall-clock time it was sent, its latency and its status.
 */
function assertDistinctParts(files: string[], parts: LoadedHistory[]): void {
  const seen = new Map<string, number>();
  for (let p = 0; p < parts.length; p++) {
    const { log, startedAt } = parts[p]!.run;
    const t0 = Date.parse(startedAt);
    let shared = 0;
    let other = -1;
    for (let i = 0; i < log.length; i++) {
      const key = `${log.userId.get(i)}|${(t0 + log.sentAtMs.get(i)).toFixed(3)}|${log.latencyMs.get(i).toFixed(3)}|${log.status.get(i)}`;
      const before = seen.get(key);
      if (before !== undefined && before !== p) {
        shared++;
        other = before;
      } else seen.set(key, p);
    }
    if (shared > 0) throw new UsageError(`history files ${files[other]} and ${files[p]} hold ${shared} of the same requests (a copy, or one part given twice): each part of a load is read once`);
  }
}

const HISTORY_FILE = /\.(ndjson|jsonl|json)(\.gz)?$/;

function historyFiles(path: string): string[] {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(`history ${full} does not exist`);
  if (!statSync(full).isDirectory()) return [full];
  const files = readdirSync(full).filter((name) => HISTORY_FILE.test(name)).sort().map((name) => join(full, name));
  if (files.length === 0) throw new UsageError(`history folder ${full} holds no history files (.ndjson, .jsonl, .json, or those .gz)`);
  return files;
}

export async function readHistory(path: string, k6: K6Options): Promise<LoadedHistory> {
  const file = resolve(path);
  assertInputFile(file, `history file ${file}`, Number.POSITIVE_INFINITY);
  const input = createReadStream(file);
  const gzipped = file.endsWith('.gz');
  const tooLong = (lineNo: number) => new UsageError(`history file ${file}, line ${lineNo}: longer than ${INPUT_LIMITS.historyLine / 1024} kB, not a request line`);
  const lines = boundedLines(gzipped ? input.pipe(createGunzip()) : input, INPUT_LIMITS.historyLine, tooLong);
  let reader: LineReader | undefined;
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new UsageError(`history file ${file}, line ${lineNo}: not JSON`);
      }
      reader ??= isK6(value) ? new K6Reader(k6) : new OwnReader();
      const problem = reader.add(value);
      if (problem) throw new UsageError(`history file ${file}, line ${lineNo}: ${problem}`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err as NodeJS.ErrnoException;
    // zlib: "unexpected end of file" (a part cut short) or "incorrect header check" (not gzip at all).
    if (gzipped && e.code?.startsWith('Z_')) throw new UsageError(`history file ${file}: not a whole gzip file (${e.message}); was it cut short?`);
    throw new UsageError(`history file ${file} cannot be read: ${e.code ?? e.message}`);
  } finally {
    input.destroy();
  }
  if (!reader) throw new UsageError(`history file ${file} is empty`);
  const problem = reader.problem();
  if (problem) throw new UsageError(`history file ${file}: ${problem}`);
  return reader.result();
}

function isK6(value: unknown): boolean {
  const type = (value as { type?: unknown })?.type;
  return type === 'Metric' || type === 'Point';
}

interface LineReader {
  /** A reason the line cannot be read, or undefined. */
  add(value: unknown): string | undefined;
  /** A reason the whole file cannot be audited, or undefined. */
  problem(): string | undefined;
  result(): LoadedHistory;
}

class OwnReader implements LineReader {
  private header: HistoryHeader | undefined;
  private readonly log = new RequestLog();
  private lastMs = 0;

  add(value: unknown): string | undefined {
    if ((value as { type?: unknown })?.type === HISTORY_TYPE) {
      const parsed = HistoryHeaderSchema.safeParse(value);
      if (!parsed.success) return `not a couponbench history header: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`;
      this.header = parsed.data;
      return undefined;
    }
    const parsed = HistoryLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return `not a request line (${issue.path.join('.') || 'line'}: ${issue.message}); expected {"user","sentAtMs","latencyMs","status","outcome"} or k6's --out json`;
    }
    const r = parsed.data;
    this.log.add({ sentAtMs: r.sentAtMs, latencyMs: r.latencyMs, status: r.status, observation: r.outcome, userId: r.user });
    this.lastMs = Math.max(this.lastMs, r.sentAtMs + r.latencyMs);
    return undefined;
  }

  problem(): string | undefined {
    return this.log.length === 0 ? 'no requests in it' : undefined;
  }

  result(): LoadedHistory {
    const h = this.header;
    return {
      source: 'couponbench',
      header: h,
      run: {
        startedAt: h?.startedAt ?? new Date(0).toISOString(),
        durationMs: h?.durationMs ?? this.lastMs,
        log: this.log,
        vuSamples: (h?.vus ?? []).map(([atMs, vus]) => ({ atMs, vus })),
      },
    };
  }
}

interface K6Point {
  type: 'Point';
  metric: string;
  data: { time: string; value: number; tags: Record<string, string> | null; metadata?: Record<string, string> | null };
}

/** k6's error_code for a request that timed out (its docs' error code table); other status-0 ends are connection errors. */
const K6_REQUEST_TIMEOUT = '1050';

/** k6 writes http_reqs and http_req_duration Points with the same time and tags for one request. */
class K6Reader implements LineReader {
  private readonly requests: Array<{ atMs: number; key: string; status: number; user: number; timedOut: boolean }> = [];
  private readonly durations = new Map<string, number>();
  private readonly vus: Array<{ atMs: number; vus: number }> = [];
  private untagged = 0;

  constructor(private readonly opts: K6Options) {}

  add(value: unknown): string | undefined {
    const point = value as K6Point;
    if (point.type !== 'Point') return undefined;
    const atMs = Date.parse(point.data?.time);
    if (!Number.isFinite(atMs)) return `a k6 Point without a readable time: ${JSON.stringify(point.data?.time)}`;
    const tags = point.data.tags ?? {};
    if (point.metric === 'vus') this.vus.push({ atMs, vus: point.data.value });
    else if (point.metric === 'http_req_duration') this.durations.set(`${point.data.time}|${JSON.stringify(tags)}`, point.data.value);
    else if (point.metric === 'http_reqs') {
      // k6 puts a tag in `tags`, or in `metadata` when the script marks it high-cardinality.
      const raw = tags[this.opts.userTag] ?? point.data.metadata?.[this.opts.userTag];
      const user = Number(raw);
      if (raw === undefined || raw === '' || !Number.isSafeInteger(user)) {
        this.untagged++;
        return undefined;
      }
      const status = Number(tags.status ?? 0);
      this.requests.push({ atMs, key: `${point.data.time}|${JSON.stringify(tags)}`, status, user, timedOut: status === 0 && tags.error_code === K6_REQUEST_TIMEOUT });
    }
    return undefined;
  }

  problem(): string | undefined {
    if (this.requests.length === 0 && this.untagged === 0) return 'no http_reqs Points in it (k6 run --out json=FILE)';
    if (this.untagged > 0) {
      return `${this.untagged} of ${this.untagged + this.requests.length} http_reqs Points carry no whole-number "${this.opts.userTag}" tag; tag each request with its user (params.tags.${this.opts.userTag}) or name the tag with --user-tag`;
    }
    return undefined;
  }

  result(): LoadedHistory {
    // A Point's time is when the request ended; it was sent its duration earlier.
    const sent = this.requests.map((r) => {
      const latency = this.durations.get(r.key) ?? 0;
      return { ...r, latency, sentAt: r.atMs - latency };
    });
    let start = Infinity;
    let end = -Infinity;
    for (const at of [...sent.map((r) => r.sentAt), ...this.vus.map((v) => v.atMs)]) start = Math.min(start, at);
    for (const at of [...sent.map((r) => r.atMs), ...this.vus.map((v) => v.atMs)]) end = Math.max(end, at);
    const log = new RequestLog();
    for (const r of sent.sort((a, b) => a.atMs - b.atMs)) {
      const observation = r.status !== 0 ? this.opts.readStatus(r.status) : r.timedOut ? CLIENT_ENDINGS.timeout : CLIENT_ENDINGS.connError;
      log.add({ sentAtMs: r.sentAt - start, latencyMs: r.latency, status: r.status, observation, userId: r.user });
    }
    return {
      source: 'k6',
      run: { startedAt: new Date(start).toISOString(), durationMs: end - start, log, vuSamples: this.vus.map((v) => ({ atMs: v.atMs - start, vus: v.vus })) },
    };
  }
}
