/**
 * The pipeline's hosts: host name → state, iterated in the order of a JS Map (insertion order; a
 * key deleted and set again goes to the back; entries deleted or added by a forEach callback are
 * skipped or visited as a Map's iterator does).
 *
 * Why not a Map: this is the lookup every record makes. A routine record's host is found by its
 * name's bytes and the hash the record reader computed while it checked them ({@link findBytes}),
 * so no string is made; a Map needs the string, hashes it out of line and compares keys
 * generically. The index and the dense hash array are typed arrays small enough to stay cached,
 * and only a matching hash leads to the one key comparison. Measured in the same rounds at 50,000
 * hosts (bench/NOTES.md §1, §1b): the in-process path ×1.33–1.41 the Map version, parse + assemble
 * over decoded strings ×1.17–1.24 (×0.93–0.97 at 10,000 hosts, where V8's own string hash wins).
 *
 * Layout: keys, values and hashes in dense arrays in insertion order (a deleted entry leaves a
 * hole, removed by compaction when holes are half the array), and an open-addressing index
 * (linear probing, backward-shift deletion, load at most 1/2) holding dense position + 1.
 */

import { sameAscii } from './model/event.js';
import { hostHash } from './model/host-hash.js';

const MIN_DENSE = 16;

export class HostTable<V> {
  private keys: (string | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  private hashes = new Int32Array(MIN_DENSE);
  /** dense position + 1; 0 is an empty slot */
  private index = new Int32Array(2 * MIN_DENSE);
  private mask = 2 * MIN_DENSE - 1;
  /** dense positions in use (live entries and holes) */
  private end = 0;
  /** every position before it is a hole */
  private head = 0;
  private live = 0;
  /** forEach calls in progress: positions must not move under them */
  private iterating = 0;

  get size(): number {
    return this.live;
  }

  get(key: string): V | undefined {
    const slot = this.slotOf(key, hostHash(key));
    return slot < 0 ? undefined : this.vals[(this.index[slot] as number) - 1];
  }

  /**
   * The position of the key spelled by the 7-bit ASCII bytes `b[start, end)` whose
   * {@link hostHash} is `h` (no string is made), or -1; valid for {@link keyAt} and
   * {@link valueAt} until the table next changes.
   */
  findBytes(b: Uint8Array, start: number, end: number, h: number): number {
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const p = this.index[i] as number;
      if (p === 0) return -1;
      if (this.hashes[p - 1] === h && sameAscii(this.keys[p - 1] as string, b, start, end)) return p - 1;
      i = (i + 1) & mask;
    }
  }

  keyAt(pos: number): string {
    return this.keys[pos] as string;
  }

  valueAt(pos: number): V {
    return this.vals[pos] as V;
  }

  /** Replaces the value in place, or adds the key at the back. */
  set(key: string, value: V): void {
    const h = hostHash(key);
    const slot = this.slotOf(key, h);
    if (slot >= 0) {
      this.vals[(this.index[slot] as number) - 1] = value;
      return;
    }
    if (this.end === this.hashes.length) this.makeRoom();
    const pos = this.end++;
    this.keys[pos] = key;
    this.vals[pos] = value;
    this.hashes[pos] = h;
    this.live++;
    if (2 * this.live > this.index.length) this.rebuildIndex(2 * this.index.length);
    else this.insertIndex(h, pos);
  }

  delete(key: string): boolean {
    const slot = this.slotOf(key, hostHash(key));
    if (slot < 0) return false;
    const pos = (this.index[slot] as number) - 1;
    this.keys[pos] = undefined;
    this.vals[pos] = undefined;
    this.live--;
    this.removeIndexSlot(slot);
    return true;
  }

  /** The entry at the front (the oldest insertion), or undefined when empty. */
  first(): [string, V] | undefined {
    this.skipHoles();
    if (this.head >= this.end) return undefined;
    return [this.keys[this.head] as string, this.vals[this.head] as V];
  }

  /**
   * Every entry in order. The callback may delete entries (a deleted one not reached yet is not
   * visited) and add them (an added one is visited), as with a Map.
   */
  forEach(fn: (value: V, key: string) => void): void {
    this.iterating++;
    try {
      for (let i = this.head; i < this.end; i++) {
        const k = this.keys[i];
        if (k !== undefined) fn(this.vals[i] as V, k);
      }
    } finally {
      this.iterating--;
    }
  }

  /** The index slot holding the key whose hash is `h`, or -1. */
  private slotOf(key: string, h: number): number {
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const p = this.index[i] as number;
      if (p === 0) return -1;
      if (this.hashes[p - 1] === h && this.keys[p - 1] === key) return i;
      i = (i + 1) & mask;
    }
  }

  private insertIndex(h: number, pos: number): void {
    const mask = this.mask;
    let i = h & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = pos + 1;
  }

  /** Backward-shift deletion: later entries of the probe run move up, so no tombstones are needed. */
  private removeIndexSlot(slot: number): void {
    const mask = this.mask;
    let i = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      const p = this.index[j] as number;
      if (p === 0) break;
      const home = (this.hashes[p - 1] as number) & mask;
      // the entry at j may fill i when its home is not in (i, j] (cyclically)
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        this.index[i] = p;
        i = j;
      }
    }
    this.index[i] = 0;
  }

  private skipHoles(): void {
    while (this.head < this.end && this.keys[this.head] === undefined) this.head++;
  }

  /** The dense arrays are full: drop the holes when they are half of it, else grow. */
  private makeRoom(): void {
    const holes = this.end - this.live;
    if (this.iterating === 0 && holes >= this.end / 2 && holes > 0) {
      let w = 0;
      for (let r = 0; r < this.end; r++) {
        const k = this.keys[r];
        if (k === undefined) continue;
        this.keys[w] = k;
        this.vals[w] = this.vals[r];
        this.hashes[w] = this.hashes[r] as number;
        w++;
      }
      this.keys.length = w;
      this.vals.length = w;
      this.end = w;
      this.head = 0;
      this.rebuildIndex(this.index.length);
      return;
    }
    const grown = new Int32Array(this.hashes.length * 2);
    grown.set(this.hashes);
    this.hashes = grown;
  }

  private rebuildIndex(size: number): void {
    this.index = new Int32Array(size);
    this.mask = size - 1;
    for (let pos = this.head; pos < this.end; pos++) {
      if (this.keys[pos] !== undefined) this.insertIndex(this.hashes[pos] as number, pos);
    }
  }
}
