import { dedicatedConnection, type RedisClient } from './types.js';
import { WaitQueue } from './waitQueue.js';

interface Channel {
  refs: number;
  /** Wake-ups that arrived while nobody was waiting (a permit, as in a semaphore). */
  permits: number;
  waiters: WaitQueue<null>;
  subscribed: Promise<unknown>;
}

/**
 * One subscriber connection per server instance, shared by every waiter on it. Each message on a
 * channel wakes one waiter (or leaves a permit if none is waiting yet), like Redisson's LockPubSub:
 * a release lets one waiter per instance try again instead of a thundering herd.
 */
export class Subscriptions {
  private readonly channels = new Map<string, Channel>();
  private subscriber: RedisClient | undefined;

  constructor(private readonly redis: RedisClient) {}

  private connection(): RedisClient {
    if (!this.subscriber) {
      // A subscribed connection can do nothing else; on a cluster, PUBLISH reaches every node's subscribers.
      const subscriber = dedicatedConnection(this.redis);
      subscriber.on('message', (channel: string) => this.wake(channel));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  async subscribe(name: string): Promise<void> {
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { refs: 0, permits: 0, waiters: new WaitQueue(), subscribed: this.connection().subscribe(name) };
      this.channels.set(name, channel);
    }
    channel.refs++;
    await channel.subscribed;
  }

  async unsubscribe(name: string): Promise<void> {
    const channel = this.channels.get(name);
    if (!channel || --channel.refs > 0) return;
    this.channels.delete(name);
    await this.connection().unsubscribe(name).catch(() => {});
  }

  /** Resolves true when woken by a message on `name`, false after `timeoutMs`. */
  waitFor(name: string, timeoutMs: number): Promise<boolean> {
    const channel = this.channels.get(name);
    if (!channel) return new Promise((resolve) => setTimeout(() => resolve(false), timeoutMs));
    if (channel.permits > 0) {
      channel.permits--;
      return Promise.resolve(true);
    }
    return channel.waiters.wait(null, timeoutMs);
  }

  private wake(name: string): void {
    const channel = this.channels.get(name);
    if (!channel) return;
    if (!channel.waiters.wakeOne()) channel.permits = Math.min(channel.permits + 1, 1);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
