/**
 * A growable typed column stored in fixed-size chunks: appending never copies what is there, and
 * never holds more than one chunk beyond what is used. A doubling array would, at 5 million
 * requests, hold 8.4 million slots and briefly both copies while it grows.
 */
type Typed = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array;

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export class Column<T extends Typed> {
  private readonly chunks: T[] = [];

  constructor(
    private readonly make: (n: number) => T,
    /** What slots hold before they are set (NaN for "not said"). */
    private readonly initial = 0,
  ) {}

  /** The value at i; `initial` where nothing was ever set. */
  get(i: number): number {
    const chunk = this.chunks[i >>> SHIFT];
    return chunk ? chunk[i & MASK]! : this.initial;
  }

  set(i: number, value: number): void {
    const c = i >>> SHIFT;
    while (this.chunks.length <= c) {
      const chunk = this.make(CHUNK);
      if (this.initial !== 0) chunk.fill(this.initial);
      this.chunks.push(chunk);
    }
    this.chunks[c]![i & MASK] = value;
  }
}
