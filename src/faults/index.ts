/**
 * Every fault kind, one file each, registered here and nowhere else: the kinds scenarios and flags
 * accept (spec.ts), what strategies survive (capabilities.ts) and what `matrix --faults` and the
 * search over faults try are all read from this map. A new kind is its file and its line here.
 */
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
import type { Fault } from './targets.js';

export const FAULTS = {
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
} as const satisfies Record<string, Fault>;
