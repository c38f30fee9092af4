import type { RedisClient } from './types.js';
import Redlock, { type Lock } from 'redlock';
import type { DistributedLock } from './types.js';

export interface RedlockOptions {
  leaseMs: number;
  retryIntervalMs: number;
}

/**
 * The npm `redlock` library (Redis' Redlock algorithm): the lock is held when a majority of the
 * independent nodes accepted it within the lease minus clock drift. One node by default;
 * `--redis-nodes N` gives it N independent servers.
 *
 * N must be odd: redlock 5.0.0-beta.2 settles a vote only when one side reaches the quorum, so
 * with 2 nodes a 1-1 split leaves acquire() pending forever (seen in the lock race tests).
 */
export class RedlockLock implements DistributedLock {
  private readonly redlock: Redlock;
  private readonly held = new Map<string, Lock>();

  constructor(
    nodes: RedisClient[],
    readonly key: string,
    private readonly opts: RedlockOptions,
  ) {
    this.redlock = new Redlock(nodes, { retryCount: 0, driftFactor: 0.01, retryJitter: 0, automaticExtensionThreshold: 500 });
    this.redlock.on('error', () => {});
  }

  async tryLock(owner: string, waitMs: number): Promise<boolean> {
    // redlock retries by count; turn our wait budget into attempts at the retry interval.
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        const lock = await this.redlock.acquire([this.key], this.opts.leaseMs, { retryCount: 0 });
        this.held.set(owner, lock);
        return true;
      } catch {
        const jitter = Math.random() * this.opts.retryIntervalMs * 0.2;
        if (Date.now() + this.opts.retryIntervalMs > deadline) return false;
        await new Promise((r) => setTimeout(r, this.opts.retryIntervalMs + jitter));
      }
    }
  }

  async unlock(owner: string): Promise<boolean> {
    const lock = this.held.get(owner);
    this.held.delete(owner);
    if (!lock) return false;
    try {
      const result = await lock.release();
      const stats = await Promise.all(result.attempts);
      return stats.some((s) => s.votesFor.size >= s.quorumSize);
    } catch {
      return false;
    }
  }
}
