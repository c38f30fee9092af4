/**
 * SIGSTOP the server instance that holds the coupon's lock right now, SIGCONT after the duration.
 * The lock's owner id names the process; the pause is kept only if that owner still holds the lock
 * once the process is stopped. While it is frozen, the lock is watched so the record says when
 * the lease ran out and who got in: the moment a lease-based lock stops being a lock.
 */
import { at, freeze, frozen, instanceOf, ownerProcess, type Fault, type FaultTargets, type Frozen, type LockHolder } from './targets.js';

const FIND_FOR_MS = 2000;
const WATCH_EVERY_MS = 10;

export const pauseHolder: Fault = {
  kind: 'pause-holder',
  needsLocalInfra: false,
  instant: false,
  onLink: false,
  async inject(targets, spec) {
    if (!targets.lockHolder) {
      const { instance, pid } = instanceOf(targets, spec);
      return frozen(targets, freeze(pid), `instance ${instance} (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid, instance, fallback: 'no-lock-of-its-own' }]);
    }
    const deadline = Date.now() + FIND_FOR_MS;
    while (Date.now() < deadline) {
      const holder = await targets.lockHolder();
      const proc = holder && ownerProcess(holder.owner);
      if (!holder || !proc || !targets.instances.some((i) => i.pid === proc.pid)) continue;
      const thaw = freeze(proc.pid);
      const still = await targets.lockHolder();
      if (still?.owner !== holder.owner) {
        thaw(); // it let go before the signal landed: try again
        continue;
      }
      const injected = frozen(targets, thaw, `instance ${proc.instance} (pid ${proc.pid})`, [{ type: 'paused', atS: at(targets), pid: proc.pid, instance: proc.instance, holding: holder.key }]);
      watch(targets, holder, injected);
      return injected;
    }
    const { instance, pid } = instanceOf(targets, spec);
    return frozen(targets, freeze(pid), `instance ${instance} (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid, instance, fallback: 'no-holder-seen' }]);
  },
};

/** Note when the frozen owner's lock is gone, and who takes it next. */
function watch(targets: FaultTargets, stopped: LockHolder, injected: Frozen): void {
  let expired = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    targets
      .lockHolder!()
      .then((now) => {
        if (now?.owner === stopped.owner) return;
        if (!expired) {
          expired = true;
          injected.events.push({ type: 'lease-expired', atS: at(targets) });
        }
        const next = now && ownerProcess(now.owner);
        if (next) {
          injected.events.push({ type: 'second-holder', atS: at(targets), instance: next.instance });
          clearInterval(timer);
        }
      })
      .catch(() => {})
      .finally(() => (busy = false));
  }, WATCH_EVERY_MS);
  injected.stopWatching = () => clearInterval(timer);
}
