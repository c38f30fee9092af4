/**
 * Everything couponbench starts registers how to stop it here. Release runs in reverse order
 * (server before databases) and is idempotent, so the normal path, an error path and a Ctrl-C
 * handler can all call it without double-stopping anything.
 */
type Release = () => Promise<void> | void;

export class Resources {
  private readonly stack: Array<{ name: string; release: Release }> = [];
  private releasing: Promise<string[]> | undefined;

  /** Register a release; returns a function that runs it early and forgets it. */
  defer(name: string, release: Release): () => Promise<void> {
    const entry = { name, release };
    this.stack.push(entry);
    return async () => {
      const i = this.stack.indexOf(entry);
      if (i >= 0) {
        this.stack.splice(i, 1);
        await entry.release();
      }
    };
  }

  /**
   * Resources of their own (one run's: its service, proxies, server), released with these (an
   * interrupt) or on their own by `release` when the run ends, before the next run of a matrix.
   */
  scope(name: string): { resources: Resources; release: () => Promise<string[]> } {
    const resources = new Resources();
    const forget = this.defer(name, async () => void (await resources.releaseAll()));
    return {
      resources,
      release: async () => {
        const failures = await resources.releaseAll();
        await forget();
        return failures;
      },
    };
  }

  /** What is registered now, oldest first, as the release names them. */
  names(): string[] {
    return this.stack.map((e) => e.name);
  }

  /** Release everything, newest first. Returns the failures (as lines) instead of throwing. */
  releaseAll(): Promise<string[]> {
    this.releasing ??= (async () => {
      const failures: string[] = [];
      while (this.stack.length > 0) {
        const { name, release } = this.stack.pop()!;
        try {
          await release();
        } catch (err) {
          failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      this.releasing = undefined;
      return failures;
    })();
    return this.releasing;
  }
}

/**
 * Route SIGINT/SIGTERM to a release of `resources`, then exit with 130. A second Ctrl-C while
 * we are stopping things exits at once.
 */
export function releaseOnSignals(resources: Resources, onSignal?: (signal: string) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    onSignal?.(signal);
    void resources.releaseAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
