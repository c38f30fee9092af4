/** From the flags of `run` / `matrix` to what a run needs, checked before anything starts. */
import { applyOverrides, loadScenario, peakVUs, type RunConfig } from '../config.js';
import { assertIdentifier, DEFAULT_DATABASE } from '../db/connect.js';
import { DATABASES } from '../db/index.js';
import { messageOf, UsageError } from '../errors.js';
import type { InfraRequest } from '../infra/types.js';
import { assertScenarioRunnable, assertWorkersHelp, embeddedDescriptors } from '../load/limits.js';
import { FAULTS } from '../faults/index.js';
import { parseThreshold, type Threshold } from '../report/thresholds.js';
import { scenarioOverrides, strategyOptions, type InfraFlags, type RunFlags } from './options.js';

export interface RunSetup {
  infra: InfraRequest;
  base: Omit<RunConfig, 'strategy'>;
  thresholds: Threshold[];
  /** Things worth a line to the user (e.g. URL options we dropped). */
  notes: string[];
}

export async function runSetup(flags: RunFlags): Promise<RunSetup> {
  const thresholds = (flags.threshold ?? []).map(parseThreshold);
  const scenario = applyOverrides(await loadScenario(flags.scenario), scenarioOverrides(flags));
  const linked = scenario.faults.some((f) => FAULTS[f.kind].actsOn === 'link');
  assertScenarioRunnable(scenario, undefined, !flags.target && !flags.targets ? embeddedDescriptors({ vus: peakVUs(scenario), instances: flags.instances, poolSize: flags.poolSize, linked }) : []);
  if (flags.workers !== undefined) assertWorkersHelp(flags.workers);
  const { infra, database, notes } = infraRequest(flags);
  return {
    infra,
    base: {
      scenario,
      instances: flags.instances,
      poolSize: flags.poolSize,
      host: flags.host,
      port: flags.port,
      database,
      db: flags.db,
      seed: flags.seed,
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      options: strategyOptions(flags),
    },
    thresholds,
    notes,
  };
}

/** The infra flags (and MYSQL_URL / REDIS_URL) as an infra request and the database couponbench owns. */
export function infraRequest(flags: InfraFlags): { infra: InfraRequest; database: string; notes: string[] } {
  const asked = DATABASES[flags.db].request({ mysqlUrl: flags.mysqlUrl ?? process.env.MYSQL_URL, postgresUrl: flags.postgresUrl ?? process.env.POSTGRES_URL });
  return {
    infra: { choice: flags.infra, redisUrl: flags.redisUrl ?? process.env.REDIS_URL, redisNodes: flags.redisNodes, ...asked.infra },
    // The database the URL names is the one couponbench owns, whichever the dialect.
    database: databaseName(flags.database ?? asked.named ?? DEFAULT_DATABASE),
    notes: asked.notes,
  };
}

/** An `efficiency` threshold reads the hot-row ceiling: refuse it up front where none will be measured. */
export function assertCeilingMeasured(thresholds: Threshold[], measured: boolean, how: string): void {
  if (!measured && thresholds.some((t) => t.metric === 'efficiency')) throw new UsageError(`an efficiency threshold needs the ceiling: ${how}`);
}

function databaseName(name: string): string {
  try {
    return assertIdentifier(name);
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
}
