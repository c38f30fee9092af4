import { ExitCode } from '../errors.js';
import type { LoadedReport } from '../report/files.js';
import { formatGate, gateExitCode, gateReports, provesNothing, type Judgement } from '../report/gate.js';
import type { Threshold } from '../report/thresholds.js';

/**
 * How every command that judges reports exits. With --gate or thresholds: by the gate (printed
 * to `stream`); otherwise 0 when every audit passed and 1 when one failed or served nothing
 * (an audit of no answers, of no issues, or under a fault that never acted passes vacuously; it must not read as a pass).
 */
export function exitByVerdict(reports: LoadedReport[], opts: { gate?: boolean; thresholds: Threshold[] } & Judgement, stream: NodeJS.WritableStream): number {
  if (opts.gate || opts.thresholds.length > 0) {
    const results = gateReports(reports, opts.thresholds, opts);
    stream.write(`${formatGate(results)}\n`);
    return gateExitCode(results);
  }
  const unserved = reports.flatMap((r) => {
    const hollow = provesNothing(r.report, opts);
    return hollow ? [`✗ ${r.report.config.strategy}: ${hollow.integrity === 'nothing-served' ? hollow.fact : `${hollow.fact}: ${hollow.consequence}`}`] : [];
  });
  if (unserved.length > 0) stream.write(`${unserved.join('\n')}\n`);
  return unserved.length === 0 && reports.every((r) => r.report.audit.verdict === 'pass') ? ExitCode.ok : ExitCode.integrityFailed;
}
