/** Deterministic PRNG (mulberry32) so that a seed reproduces the same user sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each request asks for a coupon as a user drawn uniformly from 1..pool. */
export function userPicker(pool: number, seed: number): () => number {
  const random = seededRandom(seed);
  return () => 1 + Math.floor(random() * pool);
}
