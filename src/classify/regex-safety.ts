/**
 * Static check of user-supplied regexes (known-issues `title_regex`) against catastrophic
 * backtracking. JavaScript's engine backtracks, so a pattern like `(a+)+$` can take exponential time
 * on a crafted title. We reject the shapes that cause it — a quantified group that itself contains an
 * unbounded quantifier, and backreferences — and cap the input length at match time
 * ({@link MAX_MATCH_INPUT}), which bounds what remains (polynomial cases such as `.*.*.*`).
 */
export const MAX_PATTERN_LENGTH = 500;
export const MAX_MATCH_INPUT = 512;

export type RegexCheck = { ok: true; regex: RegExp } | { ok: false; error: string };

interface Frame {
  /** the group holds an unbounded quantifier somewhere inside */
  unbounded: boolean;
}

/** Reads a quantifier at `i`; returns its length and whether it is unbounded (or 0 when none). */
function quantifierAt(src: string, i: number): { len: number; unbounded: boolean } {
  const c = src[i];
  if (c === '*' || c === '+') return { len: src[i + 1] === '?' ? 2 : 1, unbounded: true };
  if (c === '?') return { len: src[i + 1] === '?' ? 2 : 1, unbounded: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
    if (m) {
      const unbounded = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 32);
      return { len: m[0].length + (src[i + m[0].length] === '?' ? 1 : 0), unbounded };
    }
  }
  return { len: 0, unbounded: false };
}

export function compileSafeRegex(source: string): RegexCheck {
  if (source.length === 0) return { ok: false, error: 'empty pattern' };
  if (source.length > MAX_PATTERN_LENGTH) {
    return { ok: false, error: `pattern longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  const stack: Frame[] = [{ unbounded: false }];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return { ok: false, error: 'backreferences are not allowed' };
      i += 2;
    } else if (c === '[') {
      // skip the character class, honouring escapes
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      stack.push({ unbounded: false });
      i++;
      continue;
    } else if (c === ')') {
      const inner = stack.pop();
      const parent = stack[stack.length - 1];
      if (!inner || !parent) return { ok: false, error: 'unbalanced parenthesis' };
      i++;
      const q = quantifierAt(source, i);
      if (q.len > 0) {
        if (q.unbounded && inner.unbounded) {
          return { ok: false, error: 'nested quantifier (a repeated group that contains + or *)' };
        }
        i += q.len;
      }
      parent.unbounded ||= inner.unbounded || q.unbounded;
      continue;
    } else {
      i++;
    }
    const q = quantifierAt(source, i);
    if (q.len > 0) {
      const top = stack[stack.length - 1];
      if (top) top.unbounded ||= q.unbounded;
      i += q.len;
    }
  }
  if (stack.length !== 1) return { ok: false, error: 'unbalanced parenthesis' };
  try {
    return { ok: true, regex: new RegExp(source) };
  } catch (err: unknown) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Tests a title against a checked regex, with the input capped. */
export function safeTest(regex: RegExp, input: string): boolean {
  return regex.test(input.length > MAX_MATCH_INPUT ? input.slice(0, MAX_MATCH_INPUT) : input);
}
