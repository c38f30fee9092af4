import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Wait before retry `attempt` (0-based): exponential from `retryIntervalMs`, capped at 1 s, with
 * half of it random so that the losers of one race do not all come back together.
 */
export function backoff(retryIntervalMs: number, attempt: number): Promise<void> {
  const ms = Math.min(1000, retryIntervalMs * 2 ** attempt);
  return sleep(ms / 2 + Math.random() * (ms / 2));
}
