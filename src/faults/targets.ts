/** What the nemesis can act on, handed over by the run: processes, the lock's owner, the clock. */
import type { DatabaseKind } from '../db/kinds.js';
import { whenWeAreGone } from '../infra/process.js';
import type { InfraProcesses } from '../infra/types.js';
import type { LinkProxy } from './links/proxy.js';
import type { FaultEffect, FaultEvent, FaultSpec, LinkName } from './spec.js';

export interface LockHolder {
  key: string;
  /** The owner id the lock holds, as stored. */
  owner: string;
  /** The server instance the owner id names (the system maps it); absent when it names none of them. */
  instance?: number;
}

/** A server instance faults act on. */
export interface InstanceProcess {
  /** 1-based. */
  instance: number;
  /** Its process now (a restart changes it). */
  readonly pid: number;
  /** Signals go to its whole process group (a started service: the shell and what it runs). */
  group: boolean;
  /** Start it again, the same way, after a kill; resolves with the new pid once it is ready. Absent: it cannot be. */
  restart?(): Promise<number>;
}

/** What `kill` takes for an instance: its pid, or its process group. */
export const signalTarget = (p: InstanceProcess) => (p.group ? -p.pid : p.pid);

/** Where a fault acts: a server instance's process, a database process this run started, a link's proxy, or a hook inside the embedded server. */
export type FaultScope = 'instance' | 'infra' | 'link' | 'server-hook';

export interface FaultTargets {
  /** Server instances, 1-based. */
  instances: InstanceProcess[];
  /** Present when this run started MySQL and Redis itself. */
  infra?: InfraProcesses;
  /** Who holds the coupon's lock right now; absent for strategies without a lock of their own. */
  lockHolder?: () => Promise<LockHolder | null>;
  /** Ask one instance to stall the next holder of its lock for `ms` (slow-holder). */
  stallNextHolder?: (instance: number, ms: number) => void;
  /** The proxies in front of the system's dependencies, where the run put them there. */
  links?: Partial<Record<LinkName, LinkProxy>>;
  /** Milliseconds since the load started. */
  clock: () => number;
}

/** A fault in effect: what it hit, what it saw, and how to end it. */
export interface Injected {
  target: string;
  events: FaultEvent[];
  heal(): Promise<void>;
}

export interface Fault {
  /** Its name in scenarios and flags; the same as its key in FAULTS (src/faults/index.ts), where every kind is registered. */
  kind: string;
  /** `infra` faults act on MySQL or Redis processes, so only where this run started them; `link` ones on a link named in the spec. */
  actsOn: FaultScope;
  /** Happens at once (a kill, a reset): a duration, where it takes one, is the time until the restart. */
  instant: boolean;
  /** What it does to the system: what a strategy's `breaksUnder` is matched against. */
  effects: readonly FaultEffect[];
  /** An infra fault on one database's server process: runs issuing on another database have nothing for it to stop. */
  database?: DatabaseKind;
  /** It must be told who holds the lock (pause-holder): a service says how in service.lockHolder. */
  readsLockHolder?: boolean;
  /** It takes an amount (`latency#mysql=3s`, `=3s~1s` with jitter). */
  takesAmount?: boolean;
  inject(targets: FaultTargets, spec: FaultSpec): Promise<Injected>;
}

/** Seconds since the load started, for an event's `atS`. */
export const at = (targets: FaultTargets) => Math.round(targets.clock()) / 1000;

export function instanceOf(targets: FaultTargets, spec: FaultSpec): InstanceProcess {
  const wanted = spec.instance ?? 1;
  const found = targets.instances.find((i) => i.instance === wanted);
  if (!found) throw new Error(`${spec.kind}: there is no server instance ${wanted} (instances: ${targets.instances.length})`);
  return found;
}

/**
 * SIGSTOP `pid` (a negative one: its process group) until `thaw()`. A small guard process waits
 * for couponbench too: if couponbench dies (kill -9) while the pid is frozen, the guard sends
 * SIGCONT, so nothing is left stopped forever (a resumed worker then sees its primary gone and
 * exits; daemons and started services are reaped as usual).
 */
export function freeze(pid: number): () => void {
  const callOff = whenWeAreGone(`kill -s CONT -- ${pid} 2>/dev/null`);
  signal(pid, 'SIGSTOP');
  return () => {
    signal(pid, 'SIGCONT');
    callOff();
  };
}

/** A process kept frozen until healed: `events` gets `resumed` when it is let go (after `stopWatching`, if set). */
export type Frozen = Injected & { stopWatching?: () => void };

export function frozen(targets: FaultTargets, thaw: () => void, target: string, events: FaultEvent[]): Frozen {
  const injected: Frozen = {
    target,
    events,
    heal: async () => {
      injected.stopWatching?.();
      thaw();
      events.push({ type: 'resumed', atS: at(targets) });
    },
  };
  return injected;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // already gone
  }
}

/** The proxy a link fault acts on. */
function linkOf(targets: FaultTargets, spec: FaultSpec): LinkProxy {
  const link = spec.link && targets.links?.[spec.link];
  if (!link) throw new Error(`${spec.kind}: no ${spec.link ?? '(unnamed)'} link in this run`);
  return link;
}

/** What a link fault does to its proxy: `start` returns the event it made; `end` (none for an instant) undoes it. */
export interface LinkEffect {
  start(link: LinkProxy, spec: FaultSpec & { link: LinkName }, atS: number): FaultEvent | Promise<FaultEvent>;
  end?(link: LinkProxy): void | Promise<void>;
}

/** A fault on a link (src/faults/links/): the proxy named by the spec's `link`, `link-restored` recorded when it ends. */
export function linkFault(kind: string, effects: readonly FaultEffect[], effect: LinkEffect, declared: Pick<Fault, 'takesAmount'> = {}): Fault {
  return {
    kind,
    ...declared,
    actsOn: 'link',
    instant: !effect.end,
    effects,
    async inject(targets, spec) {
      const proxy = linkOf(targets, spec);
      const link = spec.link!;
      const events: FaultEvent[] = [await effect.start(proxy, { ...spec, link }, at(targets))];
      return {
        target: `${link} link (127.0.0.1:${proxy.port})`,
        events,
        heal: async () => {
          if (!effect.end) return;
          await effect.end(proxy);
          events.push({ type: 'link-restored', atS: at(targets), link });
        },
      };
    },
  };
}
