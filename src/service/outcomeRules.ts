/**
 * A target's outcome rules: from (status, body) to an observation of src/outcomes.ts. First
 * match wins; an unmatched 5xx is a failure (`http_5xx`), any other unmatched status is shown
 * as `http_<status>` and classified `unexpected`.
 */
import { TARGET_FAILED, type Observation } from '../outcomes.js';
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
    body: rule.bodyMatches === undefined ? undefined : new RegExp(rule.bodyMatches),
    observation: OBSERVATION[rule.outcome],
  }));
  return (status, body) => {
    for (const rule of compiled) {
      if (rule.matchesStatus(status) && (!rule.body || rule.body.test(body))) return rule.observation;
    }
    return `http_${status}`;
  };
}
