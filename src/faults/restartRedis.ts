/** Kill redis-server and start it again empty (no persistence): locks, fencing counters and stock vanish. */
import { at, type Fault } from './targets.js';

export const restartRedis: Fault = {
  kind: 'restart-redis',
  needsLocalInfra: true,
  async inject(targets) {
    const before = targets.infra!.redisPids()[0]!;
    const events = [`killed pid ${before} at ${at(targets)}`];
    await targets.infra!.restartRedis(0);
    events.push(`started again empty at ${at(targets)} (pid ${targets.infra!.redisPids()[0]})`);
    return { target: 'redis-server', events, heal: async () => {} };
  },
};
