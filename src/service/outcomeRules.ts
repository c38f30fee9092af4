/**
 * A target's outcome rules: from (status, body) to an observation of src/outcomes.ts. A rule
 * matches a status (or a class, "4xx"), and optionally the body's text (`bodyMatches`) and one
 * field of a JSON body (`body: { path, equals }`). First match wins; an unmatched 5xx is a failure (`http_5xx`), any other unmatched status is shown
 * as `http_<status>` and classified `unexpected`.
 */
import { TARGET_FAILED, type Observation } from '../outcomes.js';
import { atPath } from './jsonPath.js';
import type { OutcomeRule, TargetOutcome } from './schema.js';

const OBSERVATION: Record<TargetOutcome, Observation> = {
  issued: 'issued',
  sold_out: 'sold_out',
  already_issued: 'already_issued',
  rejected: 'rejected',
  failed: TARGET_FAILED,
};

export type OutcomeReader = (status: number, body: string) => Observation;

export function compileOutcomeRules(rules: OutcomeRule[]): OutcomeReader {
  const compiled = rules.map((rule) => ({
    matchesStatus:
      typeof rule.status === 'number' ? (s: number) => s === rule.status : ((cls: number) => (s: number) => Math.floor(s / 100) === cls)(Number(rule.status[0])),
    bodyText: rule.bodyMatches === undefined ? undefined : new RegExp(rule.bodyMatches),
    bodyField: rule.body,
    observation: OBSERVATION[rule.outcome],
  }));
  return (status, body) => {
    // Parsed once, and only when a rule for this status reads a field of it.
    let document: { value: unknown } | undefined;
    const parsed = () => {
      if (!document) {
        try {
          document = { value: JSON.parse(body) };
        } catch {
          document = { value: undefined };
        }
      }
      return document.value;
    };
    for (const rule of compiled) {
      if (!rule.matchesStatus(status)) continue;
      if (rule.bodyText && !rule.bodyText.test(body)) continue;
      if (rule.bodyField && atPath(parsed(), rule.bodyField.path) !== rule.bodyField.equals) continue;
      return rule.observation;
    }
    return `http_${status}`;
  };
}
