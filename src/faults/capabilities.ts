/**
 * What a fault needs and what it does, read from each kind's own declaration (src/faults/*.ts):
 * the one place that derives what a strategy survives. A new fault kind is one file declaring
 * its effects, plus its line in FAULTS; every strategy's promise follows from its effects.
 */
import type { DatabaseKind } from '../db/kinds.js';
import { UsageError } from '../errors.js';
import { FAULTS } from './index.js';
import { FAULT_KINDS, survivedFaults, type FaultEffect, type FaultKind, type FaultSpec, type LinkName, type Survives } from './spec.js';

/** The kinds none of whose effects is among `breaksUnder`. */
export function survivedUnder(breaksUnder: readonly FaultEffect[]): FaultKind[] {
  return FAULT_KINDS.filter((kind) => FAULTS[kind].effects.every((effect) => !breaksUnder.includes(effect)));
}

/** What a strategy declares about faults: the effects that break it (built-ins), or a list of kinds (a plugin may give either). */
export interface FaultDeclaration {
  breaksUnder?: readonly FaultEffect[];
  survives?: Survives;
}

/** The fault kinds a strategy keeps integrity under, with --fencing or without. Neither declared: none. */
export function strategySurvives(strategy: FaultDeclaration & { fencing?: FaultDeclaration }, fencing: boolean): FaultKind[] {
  const declared = fencing ? strategy.fencing : strategy;
  if (declared?.breaksUnder) return survivedUnder(declared.breaksUnder);
  return survivedFaults(declared?.survives);
}

/**
 * What a system under test offers faults. The embedded server offers its instances (restartable),
 * its own lock, its database's and Redis's links, a hook into its lock, and the database
 * processes when this run started them; a service offers what its target file declares.
 */
export interface FaultOffer {
  /** `embedded` (couponbench's server on `database`) or `service` (a target file's). */
  system: { kind: 'embedded'; database: DatabaseKind } | { kind: 'service'; started: boolean };
  /** Server instances couponbench started and can signal (0: none). */
  instances: number;
  /** pause-holder can find who holds the lock (the embedded server always can, or pauses an instance anyway). */
  lockHolder: boolean;
  links: readonly LinkName[];
  /** MySQL and Redis processes are this run's own; undefined while infra is not chosen yet. */
  ownInfra: boolean | undefined;
  /** A hook inside the server (slow-holder). */
  serverHook: boolean;
  /** Redis is one cluster: a redis link would be bypassed by its redirects. */
  redisCluster?: boolean;
}

/** Why `spec` cannot act on what `offer` offers (undefined: it can). The one place this is decided. */
export function faultRefusal(spec: FaultSpec, offer: FaultOffer): string | undefined {
  const fault = FAULTS[spec.kind];
  // A window of 0 s acts on nothing, and would be counted as survived.
  if (!fault.instant && spec.duration <= 0) return `${spec.kind} lasts a while: give it a window above 0 s (${spec.kind}@AT:DURATION)`;
  const service = offer.system.kind === 'service';
  switch (fault.actsOn) {
    case 'link':
      if (!offer.links.includes(spec.link!)) {
        return service
          ? `${spec.kind}#${spec.link}: the target file declares no links.${spec.link} (the service must reach ${spec.link} through couponbench's proxy)`
          : `${spec.kind}#${spec.link}: the embedded server on ${offer.system.kind === 'embedded' ? offer.system.database : ''} reaches ${offer.links.join(' and ')} only`;
      }
      if (spec.link === 'redis' && offer.redisCluster) return 'a redis link fault needs a single Redis node: a cluster redirects clients past the proxy';
      return undefined;
    case 'infra':
      if (service) return `${spec.kind} stops a database couponbench started; a service's databases are its own: use a link fault (latency, stall, reset, down#mysql or #redis)`;
      if (fault.database && offer.system.kind === 'embedded' && offer.system.database !== fault.database) {
        const db = offer.system.database;
        return `${spec.kind} freezes the ${fault.database} server; a --db ${db} run issues on ${db} (use latency#${db} or stall#${db})`;
      }
      if (offer.ownInfra === false) return `${spec.kind} stops MySQL or Redis processes: it needs databases this run starts itself (--infra local), not ones it was given`;
      return undefined;
    case 'server-hook':
      return offer.serverHook ? undefined : `${spec.kind} reaches into couponbench's own server; on a service use pause-holder or latency#mysql`;
    case 'instance':
      if (offer.instances === 0) return `${spec.kind} acts on the service's processes: add a "service" section so couponbench starts them (a service running elsewhere takes link faults only)`;
      if (spec.instance !== undefined && spec.instance > offer.instances) return service ? `${spec.kind}: there is no instance ${spec.instance} (service.ports has ${offer.instances})` : `${spec.kind}: there is no server instance ${spec.instance} (--instances ${offer.instances})`;
      if (fault.readsLockHolder && !offer.lockHolder) return `${spec.kind} needs service.lockHolder: how to read who holds the lock (e.g. { redis: "GET lock:{couponId}", owner: "^(\\d+):", ownerIs: port })`;
      return undefined;
  }
}

/** The first refusal among `specs`, thrown as the one line it is. */
export function assertFaultsRun(specs: readonly FaultSpec[], offer: FaultOffer): void {
  for (const spec of specs) {
    const refused = faultRefusal(spec, offer);
    if (refused) throw new UsageError(refused);
  }
}
