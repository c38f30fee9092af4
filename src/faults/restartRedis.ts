import type { FaultEvent } from './spec.js';
/** Kill redis-server and start it again empty (no persistence): locks, fencing counters and stock vanish. */
import { at, type Fault } from './targets.js';

export const restartRedis: Fault = {
  kind: 'restart-redis',
  actsOn: 'infra',
  instant: true,
  effects: ['empties-redis'],
  async inject(targets) {
    const before = targets.infra!.redisPids()[0]!;
    const events: FaultEvent[] = [{ type: 'killed', atS: at(targets), pid: before, restarted: true }];
    await targets.infra!.restartRedis(0);
    events.push({ type: 'restarted', atS: at(targets), pid: targets.infra!.redisPids()[0]!, empty: true });
    return { target: 'redis-server', events, heal: async () => {} };
  },
};
