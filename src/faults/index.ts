/** Every fault kind, one file each; the nemesis schedules them on the load's clock. */
import { down } from './down.js';
import { killInstance } from './killInstance.js';
import { latency } from './latency.js';
import { pauseHolder } from './pauseHolder.js';
import { pauseInstance } from './pauseInstance.js';
import { pauseMysql } from './pauseMysql.js';
import { pauseRedis } from './pauseRedis.js';
import { reset } from './reset.js';
import { restartRedis } from './restartRedis.js';
import { slowHolder } from './slowHolder.js';
import { stall } from './stall.js';
import type { FaultKind } from './spec.js';
import type { Fault } from './targets.js';

export const FAULTS: Record<FaultKind, Fault> = {
  'pause-holder': pauseHolder,
  'pause-instance': pauseInstance,
  'kill-instance': killInstance,
  'pause-redis': pauseRedis,
  'restart-redis': restartRedis,
  'pause-mysql': pauseMysql,
  'slow-holder': slowHolder,
  latency,
  stall,
  reset,
  down,
};
