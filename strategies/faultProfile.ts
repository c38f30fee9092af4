/**
 * What each kind of strategy is meant to survive (the gate holds it to this), and how the
 * pause-holder fault finds a Redis lock's holder: the owner id the lock stored.
 */
import type { FaultEffect } from '../src/faults/spec.js';
import type { RedisClient } from './locks/types.js';

/**
 * A lease-based Redis lock: a holder that dies takes its transaction with it (it survives a
 * kill), and a stalled Redis stops everyone alike; any stall of a live holder past the lease,
 * the lock vanishing with Redis's state, or a connection cut mid-work lets a second holder in.
 */
export const LEASE_LOCK_BREAKS_UNDER: readonly FaultEffect[] = ['stalls-holder', 'empties-redis', 'cuts-connections'];

/** The holder of a lock stored as a string value (SET key owner NX PX). */
export function stringLockHolder(key: (couponId: number) => string) {
  return async (redis: RedisClient, couponId: number) => {
    const owner = await redis.get(key(couponId));
    return owner ? { key: key(couponId), owner } : null;
  };
}

/** The holder of a Redisson-style hash lock (field = owner id, value = hold count). */
export function hashLockHolder(key: (couponId: number) => string) {
  return async (redis: RedisClient, couponId: number) => {
    const [owner] = await redis.hkeys(key(couponId));
    return owner ? { key: key(couponId), owner } : null;
  };
}
