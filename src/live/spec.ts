/**
 * What a run is watched with, from its flags: `--dashboard [PORT]`, `--dashboard-keep` and the
 * `--out KIND=URL` entries (k6's `--out` syntax; an `--out` without a kind is the command's own
 * file, as before).
 */
import { UsageError } from '../errors.js';

/** k6's web dashboard listens on 5665; so does ours unless told otherwise. */
export const DASHBOARD_PORT = 5665;

export const OUTPUT_KINDS = ['prometheus', 'otlp'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

export interface LiveSpec {
  dashboard?: { port: number; keep: boolean };
  outputs: Array<{ kind: OutputKind; url: string }>;
}

const OUTPUT = new RegExp(`^(${OUTPUT_KINDS.join('|')})=(.*)$`);

/** Splits the `--out` values into the command's file (at most one) and the metric outputs. */
export function splitOut(values: string[] | string | undefined): { file?: string; outputs: LiveSpec['outputs'] } {
  const all = values === undefined ? [] : Array.isArray(values) ? values : [values];
  const outputs: LiveSpec['outputs'] = [];
  const files: string[] = [];
  for (const value of all) {
    const m = OUTPUT.exec(value);
    if (!m) {
      files.push(value);
      continue;
    }
    const url = m[2]!;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--out ${m[1]}=${url}: not a URL (e.g. ${m[1]}=${m[1] === 'prometheus' ? 'http://127.0.0.1:9090/api/v1/write' : 'http://127.0.0.1:4318/v1/metrics'})`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--out ${m[1]}=${url}: only http:// and https:// are sent to`);
    outputs.push({ kind: m[1] as OutputKind, url });
  }
  if (files.length > 1) throw new UsageError(`--out names one file (${files.join(', ')}); metric outputs are KIND=URL (${OUTPUT_KINDS.join(', ')})`);
  return { ...(files[0] !== undefined ? { file: files[0] } : {}), outputs };
}

/** `--dashboard` alone is port 5665 (as k6's); `--dashboard 0` any free port. */
export function dashboardSpec(flag: true | string | undefined, keep: boolean | undefined, defaultPort: number): LiveSpec['dashboard'] {
  if (flag === undefined) {
    if (keep) throw new UsageError('--dashboard-keep keeps the dashboard up after the run: add --dashboard');
    return undefined;
  }
  const port = flag === true ? defaultPort : Number(flag);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--dashboard ${String(flag)}: not a port (0-65535; 0 picks a free one)`);
  return { port, keep: Boolean(keep) };
}
