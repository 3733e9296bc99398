/**
 * The last few byte blocks seen and what they decoded to, most recent
 * first: an environment is kilobytes, and nearly every exec passes on one
 * of the last few (the kernel build: 15,800 execs, 1,274 environments).
 * Comparing bytes (memcmp) is far cheaper than decoding them into strings
 * again. Used where environments are read: log files (envruns.ts) and the
 * ring (capture/decode.ts).
 */
export class RecentBytes<T> {
  private readonly items: Array<{ bytes: Buffer; value: T }> = [];

  constructor(private readonly size: number) {}

  /** The value of the block equal to `b` (moved to the front), or undefined. */
  find(b: Uint8Array): T | undefined {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.bytes.length !== b.length || !it.bytes.equals(b)) continue;
      if (i > 0) {
        items.splice(i, 1);
        items.unshift(it);
      }
      return it.value;
    }
    return undefined;
  }

  /** Remembers a copy of `b` and its value, at the front. */
  add(b: Uint8Array, value: T): void {
    this.items.unshift({ bytes: Buffer.from(b), value });
    if (this.items.length > this.size) this.items.pop();
  }
}
