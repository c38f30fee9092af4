import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../strategies/groupCommit.js';

/** A writer whose batches finish when told, recording what each batch held. */
function heldWriter() {
  const batches: number[][] = [];
  const finish: Array<(fail?: Error) => void> = [];
  const write = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(items);
      finish.push((fail) => (fail ? reject(fail) : resolve(items.map((i) => `answer ${i}`))));
    });
  return { batches, finish, write };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  it('sends the first request alone at once, and those that came meanwhile together next, each answered in its place', async () => {
    const w = heldWriter();
    const gc = new GroupCommit<number, string>(w.write, { maxBatch: 100, maxInFlight: 1 });
    const first = gc.submit(1);
    const rest = [2, 3, 4].map((i) => gc.submit(i));
    expect(w.batches).toEqual([[1]]);
    w.finish[0]!();
    expect(await first).toBe('answer 1');
    await settle();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.finish[1]!();
    expect(await Promise.all(rest)).toEqual(['answer 2', 'answer 3', 'answer 4']);
  });

  it('fails every request of a failed batch and no other', async () => {
    const w = heldWriter();
    const gc = new GroupCommit<number, string>(w.write, { maxBatch: 2, maxInFlight: 2 });
    const answers = [1, 2, 3, 4, 5].map((i) => gc.submit(i).catch((err: Error) => err.message));
    // Two batches in flight at most, of two each: the first two went alone, the rest wait.
    expect(w.batches).toEqual([[1], [2]]);
    w.finish[1]!();
    await settle();
    expect(w.batches).toEqual([[1], [2], [3, 4]]);
    w.finish[2]!(new Error('deadlock'));
    await settle();
    expect(w.batches).toEqual([[1], [2], [3, 4], [5]]);
    w.finish[0]!();
    w.finish[3]!();
    expect(await Promise.all(answers)).toEqual(['answer 1', 'answer 2', 'deadlock', 'deadlock', 'answer 5']);
  });

  it('fails a batch whose writer answered the wrong number of requests', async () => {
    const gc = new GroupCommit<number, string>(async () => ['one answer'], { maxBatch: 10, maxInFlight: 1 });
    const first = gc.submit(1);
    const both = [gc.submit(2), gc.submit(3)].map((p) => p.catch((err: Error) => err.message));
    expect(await first).toBe('one answer');
    expect(await Promise.all(both)).toEqual(['a batch of 2 got 1 answers', 'a batch of 2 got 1 answers']);
  });
});
