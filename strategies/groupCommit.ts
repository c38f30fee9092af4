/**
 * Group commit in the server: requests that arrive while a batch is being written wait and go
 * together in the next one, one transaction per batch. Each request is answered only after the
 * transaction holding its row committed, so the promise is the one of a transaction per request;
 * what changes is the cost: one round trip, one commit and one multi-row statement for many
 * winners, where the database spent those on each. Nothing waits for a batch to fill: a request
 * that finds nothing in flight goes at once, alone, so a quiet server adds no latency.
 */
export interface GroupCommitOptions {
  /** Requests written in one transaction at most. */
  maxBatch: number;
  /** Batches being written at once (each on a pooled connection of its own). */
  maxInFlight: number;
}

interface Waiting<Item, Answer> {
  item: Item;
  resolve: (answer: Answer) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<Item, Answer> {
  private queue: Array<Waiting<Item, Answer>> = [];
  private inFlight = 0;

  /** `write` answers each item of its batch, in order; a throw fails the whole batch (its transaction rolled back). */
  constructor(
    private readonly write: (items: Item[]) => Promise<Answer[]>,
    private readonly options: GroupCommitOptions = { maxBatch: 200, maxInFlight: 2 },
  ) {}

  submit(item: Item): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      this.write(batch.map((w) => w.item))
        .then((answers) => {
          if (answers.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${answers.length} answers`);
          batch.forEach((w, i) => w.resolve(answers[i]!));
        })
        .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
