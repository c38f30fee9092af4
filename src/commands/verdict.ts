import { ExitCode } from '../errors.js';
import type { LoadedReport } from '../report/files.js';
import { formatGate, gateExitCode, gateReports, nothingServed } from '../report/gate.js';
import type { Threshold } from '../report/thresholds.js';

/**
 * How every command that judges reports exits. With --gate or thresholds: by the gate (printed
 * to `stream`); otherwise 0 when every audit passed and 1 when one failed or served nothing
 * (an audit of no answers passes vacuously; it must not read as a pass).
 */
export function exitByVerdict(reports: LoadedReport[], opts: { gate?: boolean; thresholds: Threshold[] }, stream: NodeJS.WritableStream): number {
  if (opts.gate || opts.thresholds.length > 0) {
    const results = gateReports(reports, opts.thresholds);
    stream.write(`${formatGate(results)}\n`);
    return gateExitCode(results);
  }
  const unserved = reports.flatMap((r) => {
    const why = nothingServed(r.report);
    return why ? [`✗ ${r.report.config.strategy}: ${why}`] : [];
  });
  if (unserved.length > 0) stream.write(`${unserved.join('\n')}\n`);
  return unserved.length === 0 && reports.every((r) => r.report.audit.verdict === 'pass') ? ExitCode.ok : ExitCode.integrityFailed;
}
