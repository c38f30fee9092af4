/**
 * SIGSTOP the server instance that holds the coupon's lock right now, SIGCONT after the duration.
 * The system maps the lock's owner id to an instance; the pause is kept only if that owner still
 * holds the lock once the process is stopped. While it is frozen, the lock is watched so the
 * record says when the lease ran out and who got in: the moment a lease-based lock stops being a
 * lock.
 */
import { at, freeze, frozen, instanceOf, signalTarget, type Fault, type FaultTargets, type Frozen, type LockHolder } from './targets.js';

const FIND_FOR_MS = 2000;
const WATCH_EVERY_MS = 10;

export const pauseHolder: Fault = {
  kind: 'pause-holder',
  actsOn: 'instance',
  instant: false,
  effects: ['stalls-holder'],
  readsLockHolder: true,
  async inject(targets, spec) {
    if (!targets.lockHolder) {
      const target = instanceOf(targets, spec);
      const { instance, pid } = target;
      return frozen(targets, freeze(signalTarget(target)), `instance ${instance} (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid, instance, fallback: 'no-lock-of-its-own' }]);
    }
    const deadline = Date.now() + FIND_FOR_MS;
    while (Date.now() < deadline) {
      const holder = await targets.lockHolder();
      const target = holder && targets.instances.find((i) => i.instance === holder.instance);
      if (!holder || !target) continue;
      const { instance, pid } = target;
      const thaw = freeze(signalTarget(target));
      const still = await targets.lockHolder();
      if (still?.owner !== holder.owner) {
        thaw(); // it let go before the signal landed: try again
        continue;
      }
      const injected = frozen(targets, thaw, `instance ${instance} (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid, instance, holding: holder.key }]);
      watch(targets, holder, instance, injected);
      return injected;
    }
    const target = instanceOf(targets, spec);
    const { instance, pid } = target;
    return frozen(targets, freeze(signalTarget(target)), `instance ${instance} (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid, instance, fallback: 'no-holder-seen' }]);
  },
};

/**
 * Note when the frozen instance's lock is gone, and who takes it next. Commands the instance had
 * already sent still land while it is frozen (a release, then its next acquire): an owner of the
 * frozen instance is still the frozen instance holding the lock.
 */
function watch(targets: FaultTargets, stopped: LockHolder, frozenInstance: number, injected: Frozen): void {
  let expired = false;
  let busy = false;
  let held = stopped.owner;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    targets
      .lockHolder!()
      .then((now) => {
        if (now?.owner === held) return;
        if (now && now.instance === frozenInstance) {
          held = now.owner;
          return;
        }
        if (!expired) {
          expired = true;
          injected.events.push({ type: 'lease-expired', atS: at(targets) });
        }
        if (now?.instance !== undefined) {
          injected.events.push({ type: 'second-holder', atS: at(targets), instance: now.instance });
          clearInterval(timer);
        }
      })
      .catch(() => {})
      .finally(() => (busy = false));
  }, WATCH_EVERY_MS);
  injected.stopWatching = () => clearInterval(timer);
}
