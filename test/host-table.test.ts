import { describe, expect, it } from 'vitest';
import { HostTable } from '../src/host-table.js';
import { ASCII_HOST_HASH, asciiHostHash, hostHash } from '../src/model/host-hash.js';
import { rng } from '../bench/fleet.js';

interface Entry {
  id: number;
}

function entries<V>(t: HostTable<V>): [string, V][] {
  const out: [string, V][] = [];
  t.forEach((v, k) => {
    out.push([k, v]);
  });
  return out;
}

/** The position of the name in `b[start, end)`, hashed from its bytes as the routine record reader does. */
function findBytes<V>(t: HostTable<V>, b: Uint8Array, start: number, end: number): number {
  return asciiHostHash(b, start, end) ? t.findBytes(b, start, end, ASCII_HOST_HASH[0] as number) : -1;
}

/** A fresh copy of the string, so the table compares contents, as with decoded records. */
const copy = (s: string): string => s.split('').join('');

describe('HostTable', () => {
  it('behaves as a Map under random sets, deletes, moves to the back and lookups', () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const t = new HostTable<Entry>();
      const m = new Map<string, Entry>();
      const name = (i: number): string => `host-${i}.example.net`;
      let id = 0;
      for (let step = 0; step < 20_000; step++) {
        const key = copy(name(Math.floor(r() * 3000)));
        const op = r();
        if (op < 0.35) {
          const e = { id: id++ };
          t.set(key, e);
          m.set(key, e);
        } else if (op < 0.5) {
          expect(t.delete(key)).toBe(m.delete(key));
        } else if (op < 0.55) {
          // the CLOCK eviction's move to the back
          const f = t.first();
          const mf = m.entries().next();
          expect(f).toEqual(mf.done ? undefined : mf.value);
          if (f !== undefined) {
            t.delete(f[0]);
            t.set(f[0], f[1]);
            m.delete(f[0]);
            m.set(f[0], f[1]);
          }
        } else {
          expect(t.get(key)).toBe(m.get(key));
          // by the name's bytes inside a record, as the routine fast path looks hosts up
          const rec = Buffer.from(`\u0001\u0002${key}tail`, 'latin1');
          const at = findBytes(t, rec, 2, 2 + key.length);
          expect(at < 0 ? undefined : t.valueAt(at)).toBe(m.get(key));
          if (at >= 0) expect(t.keyAt(at)).toBe(key);
        }
        expect(t.size).toBe(m.size);
      }
      expect(entries(t)).toEqual([...m.entries()]);
    }
  });

  it('keeps Map order when the callback deletes and adds entries during forEach', () => {
    const t = new HostTable<number>();
    const m = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      t.set(`h${i}`, i);
      m.set(`h${i}`, i);
    }
    const seenT: string[] = [];
    const seenM: string[] = [];
    const visit =
      (map: { delete(k: string): boolean; set(k: string, v: number): unknown }, seen: string[]) =>
      (v: number, k: string) => {
        seen.push(k);
        if (v % 3 === 0) map.delete(`h${v + 1}`);
        if (v % 50 === 0 && v < 1000) map.set(`n${v}`, v + 1000);
        if (v % 7 === 0) map.delete(k);
      };
    t.forEach(visit(t, seenT));
    m.forEach(visit(m, seenM));
    expect(seenT).toEqual(seenM);
    expect(entries(t)).toEqual([...m.entries()]);
  });

  it('keeps order and finds every entry after the holes of deleted entries are compacted', () => {
    const t = new HostTable<number>();
    for (let i = 0; i < 64; i++) t.set(`h${i}`, i);
    // half the entries deleted, then enough added that the dense arrays compact
    for (let i = 0; i < 40; i++) t.delete(`h${i}`);
    for (let i = 100; i < 200; i++) t.set(`h${i}`, i);
    expect(t.get('h40')).toBe(40);
    expect(t.get('h39')).toBeUndefined();
    expect(entries(t).map(([k]) => k)).toEqual([
      ...Array.from({ length: 24 }, (_, i) => `h${40 + i}`),
      ...Array.from({ length: 100 }, (_, i) => `h${100 + i}`),
    ]);
  });

  it('finds every key when all share one home slot (one long probe run, deletions inside it)', () => {
    // 200 keys make a 512-slot index: keys with the same low 9 hash bits start at the same slot
    const keys: string[] = [];
    for (let i = 0; keys.length < 200; i++) if ((hostHash(`k${i}`) & 511) === 3) keys.push(`k${i}`);
    const t = new HostTable<number>();
    for (const [i, k] of keys.entries()) t.set(k, i);
    for (let i = 0; i < keys.length; i += 2) t.delete(keys[i] as string);
    for (const [i, k] of keys.entries()) expect(t.get(k)).toBe(i % 2 === 0 ? undefined : i);
    expect(t.size).toBe(100);
    for (let i = 0; i < keys.length; i += 2) t.set(keys[i] as string, -i);
    for (const [i, k] of keys.entries()) expect(t.get(k)).toBe(i % 2 === 0 ? -i : i);
  });

  it('finds a key by its bytes only when they spell it exactly', () => {
    const t = new HostTable<number>();
    t.set('web-1', 1);
    t.set('hôst', 2);
    const b = Buffer.from('xweb-1 web-10 web-2 hôst', 'utf8');
    const pos = (s: number, e: number) => findBytes(t, b, s, e);
    expect(t.valueAt(pos(1, 6))).toBe(1);
    expect(pos(7, 13)).toBe(-1);
    expect(pos(7, 11)).toBe(-1);
    expect(pos(14, 19)).toBe(-1);
    // a non-ASCII name is never found by bytes (the fast path takes ASCII names only)
    expect(pos(20, b.length)).toBe(-1);
    // not even bytes that are the name's code units one for one, with the name's own hash
    t.set('h\u00e9', 3);
    expect(t.findBytes(Uint8Array.of(0x68, 0xe9), 0, 2, hostHash('h\u00e9'))).toBe(-1);
  });

  it('tells apart two names with the same 32-bit hash, by string and by bytes', () => {
    // found by a search over host-0, host-1, ...: the first pair whose hashes are equal
    const [a, b] = ['host-7040', 'host-60908'];
    expect(hostHash(a)).toBe(hostHash(b));
    const t = new HostTable<string>();
    t.set(a, 'a');
    expect(t.get(b)).toBeUndefined();
    expect(findBytes(t, Buffer.from(b), 0, b.length)).toBe(-1);
    t.set(b, 'b');
    expect([t.get(a), t.get(b)]).toEqual(['a', 'b']);
    expect(t.valueAt(findBytes(t, Buffer.from(b), 0, b.length))).toBe('b');
    t.delete(a);
    expect([t.get(a), t.get(b)]).toEqual([undefined, 'b']);
  });

  it('hashes strings that differ in one character differently', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++)
      seen.add(hostHash(`host-${i.toString().padStart(6, '0')}.dc${i % 7}.example.net`));
    // 100,000 random 32-bit values collide about once
    expect(seen.size).toBeGreaterThan(99_990);
  });
});
