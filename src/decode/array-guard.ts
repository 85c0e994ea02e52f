import avro from 'avsc';

/** The parts of avsc's internal Tap that the guard reads (avsc 5.x, lib/utils.js). */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
}
interface ItemsType {
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

/**
 * avsc reads an array block by allocating and filling as many items as the block's count says,
 * even past the end of the buffer, so ten random bytes can ask for 2^31 items and hang the
 * process. Every item of this project's arrays takes at least one byte, so a count larger than
 * the bytes left is corrupt: the guard stops there and marks the buffer truncated (avsc then
 * reports `truncated buffer`). Resolvers reuse the reader's `_read` (`resolver._read =
 * this._read`), so resolved reads are guarded too.
 */
class GuardedArrayType extends avro.types.ArrayType {
  _read(tap: Tap): unknown[] {
    const items = this.itemsType as unknown as ItemsType;
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

  _skip(tap: Tap): void {
    const items = this.itemsType as unknown as ItemsType;
    for (;;) {
      let n = tap.readLong();
      if (n === 0) return;
      if (n < 0) {
        tap.pos += tap.readLong();
        continue;
      }
      if (!(n <= tap.buf.length - tap.pos)) {
        tap.pos = tap.buf.length + 1;
        return;
      }
      while (n-- > 0) items._skip(tap);
    }
  }
}

/** avsc `typeHook`: every array type of a schema parsed with it is a GuardedArrayType. */
export function guardedArrayHook(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'array') {
    return new GuardedArrayType(schema as avro.schema.ArrayType, opts);
  }
  return undefined;
}
