/** What the nemesis can act on, handed over by the run: processes, the lock's owner, the clock. */
import { whenWeAreGone } from '../infra/process.js';
import type { InfraProcesses } from '../infra/types.js';
import type { LinkProxy } from './links/proxy.js';
import type { FaultEvent, FaultKind, FaultSpec, LinkName } from './spec.js';

export interface LockHolder {
  key: string;
  /** The owner id a lock strategy stored: `<instance>:<pid>:<sequence>`. */
  owner: string;
}

export interface FaultTargets {
  /** Server instances, 1-based, with their pids. */
  instances: Array<{ instance: number; pid: number }>;
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
  kind: FaultKind;
  /** Acts on MySQL or Redis processes, so only where this run started them. */
  needsLocalInfra: boolean;
  /** Happens at once (a kill, a restart): it has no duration. */
  instant: boolean;
  /** Acts on a link (`link` in its spec), through couponbench's proxy. */
  onLink: boolean;
  inject(targets: FaultTargets, spec: FaultSpec): Promise<Injected>;
}

/** Seconds since the load started, for an event's `atS`. */
export const at = (targets: FaultTargets) => Math.round(targets.clock()) / 1000;

/** The instance and pid an owner id names. */
export function ownerProcess(owner: string): { instance: number; pid: number } | undefined {
  const [instance, pid] = owner.split(':').map(Number);
  return Number.isInteger(instance) && Number.isInteger(pid) ? { instance: instance!, pid: pid! } : undefined;
}

export function instanceOf(targets: FaultTargets, spec: FaultSpec): { instance: number; pid: number } {
  const wanted = spec.instance ?? 1;
  const found = targets.instances.find((i) => i.instance === wanted);
  if (!found) throw new Error(`${spec.kind}: there is no server instance ${wanted} (instances: ${targets.instances.length})`);
  return found;
}

/**
 * SIGSTOP `pid` until `thaw()`. A small guard process waits for couponbench too: if couponbench
 * dies (kill -9) while the pid is frozen, the guard sends SIGCONT, so nothing is left stopped
 * forever (a resumed worker then sees its primary gone and exits; daemons are reaped as usual).
 */
export function freeze(pid: number): () => void {
  const callOff = whenWeAreGone(`kill -CONT ${pid} 2>/dev/null`);
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
export function linkFault(kind: FaultKind, effect: LinkEffect): Fault {
  return {
    kind,
    needsLocalInfra: false,
    instant: !effect.end,
    onLink: true,
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
