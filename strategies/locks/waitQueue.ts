/** A FIFO of waiters, each carrying a value, that give up on their own after a timeout. */
export class WaitQueue<T> {
  private readonly entries: Array<{ value: T; wake: () => void }> = [];

  /** Resolves true when woken by wakeOne(), false when `timeoutMs` passed first. */
  wait(value: T, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        value,
        wake: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        const i = this.entries.indexOf(entry);
        if (i >= 0) this.entries.splice(i, 1);
        resolve(false);
      }, Math.max(0, timeoutMs));
      this.entries.push(entry);
    });
  }

  /** Wake the oldest waiter and return its value; undefined when nobody waits. */
  wakeOne(): { value: T } | undefined {
    const entry = this.entries.shift();
    entry?.wake();
    return entry && { value: entry.value };
  }
}
