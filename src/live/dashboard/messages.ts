/**
 * What the dashboard page is sent: the run's live events, the report's verdict and integrity
 * table once it is made, and the searcher's lines (matrix items, hunt tries) as the terminal
 * prints them. One record per server-sent event.
 */
import { stripVTControlCharacters } from 'node:util';
import type { LiveViolationKind } from '../../audit/index.js';
import { integrityTable } from '../../report/runTables.js';
import { isLive, type RunEvent } from '../../timeline/events.js';
import { renderEvent } from '../../timeline/render.js';

export type PageMessage =
  | Extract<RunEvent, { type: 'run-start' | 'sample' | 'fault-change' }>
  | {
      type: 'run-end';
      runId: string;
      system: string;
      verdict: 'pass' | 'fail';
      /** Clients told issued, and the issued records the audit counted (null: the service keeps none). */
      issued: number;
      /** Requests sent, each ended one way or another. */
      requests: number;
      rows: number | null;
      finalQuantity: number;
      /** The report's integrity table and witnesses, as the terminal prints them (no colours). */
      integrity: string;
    }
  | { type: 'note'; text: string }
  /** A violation found during the load: when, which kind, and the sentence the terminal printed. */
  | { type: 'violation'; runId: string; atS: number; kind: LiveViolationKind; atLeast: number; text: string };

/** Events worth a line on the page besides the live ones: what a matrix or a hunt is doing. */
const NOTES = new Set<RunEvent['type']>(['matrix-item', 'matrix-skip', 'hunt-try', 'hunt-confirmed', 'hunt-shrink', 'fault']);

export function pageMessage(event: RunEvent): PageMessage | undefined {
  if (!isLive(event)) return NOTES.has(event.type) ? { type: 'note', text: renderEvent(event) } : undefined;
  if (event.type === 'violation') return { type: 'violation', runId: event.runId, atS: event.atS, kind: event.violation.kind, atLeast: event.violation.atLeast, text: renderEvent(event) };
  if (event.type !== 'run-end') return event;
  const { report } = event;
  return {
    type: 'run-end',
    runId: event.runId,
    system: report.config.strategy,
    verdict: report.audit.verdict,
    issued: report.load.issued,
    requests: report.load.requests,
    rows: report.audit.rows,
    finalQuantity: report.audit.finalQuantity,
    integrity: stripVTControlCharacters(integrityTable(report)),
  };
}
