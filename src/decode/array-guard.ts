import type avro from 'avsc';

/** The parts of avsc's internal Tap that the guard reads (avsc 5.x, lib/utils.js). */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
}
interface ReadableType {
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}
interface ArrayLike {
  typeName: string;
  itemsType: ReadableType;
}

/**
 * avsc reads an array block by allocating and filling as many items as the block's count says,
 * even past the end of the buffer, so ten random bytes can ask for 2^31 items and hang the
 * process. Every item of this project's arrays takes at least one byte, so a count larger than
 * the bytes left is corrupt: the guard stops there and marks the buffer truncated (avsc then
 * reports `truncated buffer`).
 *
 * The guard is an own property of each array type instance of *our* types (never a change to
 * avsc's prototypes); resolvers built from these types copy it (`resolver._read = this._read`).
 */
function guardedArrayRead(this: ArrayLike, tap: Tap): unknown[] {
  const items = this.itemsType;
  const out: unknown[] = [];
  for (;;) {
    let n = tap.readLong();
    if (n === 0) return out;
    if (n < 0) {
      n = -n;
      tap.skipLong();
    }
    if (!(n <= tap.buf.length - tap.pos)) {
      tap.pos = tap.buf.length + 1;
      return out;
    }
    while (n-- > 0) out.push(items._read(tap));
  }
}

/** The same bound for skipping an array (a field the reader does not have). */
function guardedArraySkip(this: ArrayLike, tap: Tap): void {
  const items = this.itemsType;
  for (;;) {
    let n = tap.readLong();
    if (n === 0) return;
    if (n < 0) {
      const bytes = tap.readLong();
      tap.pos += bytes;
      continue;
    }
    if (!(n <= tap.buf.length - tap.pos)) {
      tap.pos = tap.buf.length + 1;
      return;
    }
    while (n-- > 0) items._skip(tap);
  }
}

/** Installs the guard on every array type reachable from `type`. */
export function guardArrays(type: avro.Type): void {
  const seen = new Set<unknown>();
  const visit = (t: unknown): void => {
    if (typeof t !== 'object' || t === null || seen.has(t)) return;
    seen.add(t);
    const typeName = (t as { typeName?: unknown }).typeName;
    if (typeName === 'array') {
      Object.defineProperty(t, '_read', { value: guardedArrayRead, writable: true, configurable: true });
      Object.defineProperty(t, '_skip', { value: guardedArraySkip, writable: true, configurable: true });
      visit((t as ArrayLike).itemsType);
    } else if (typeName === 'record' || typeName === 'error') {
      for (const f of (t as { fields: { type: unknown }[] }).fields) visit(f.type);
    } else if (typeName === 'union:unwrapped' || typeName === 'union:wrapped') {
      for (const u of (t as { types: unknown[] }).types) visit(u);
    } else if (typeName === 'map') {
      visit((t as { valuesType: unknown }).valuesType);
    }
  };
  visit(type);
}
