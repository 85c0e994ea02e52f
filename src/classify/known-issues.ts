/**
 * The known-issues file (DESIGN.md §4 rules 4–5): a YAML list of
 * `{id, title | title_regex, arch?, fixed_in?, url, note}`.
 *
 * Loading validates everything at once and reports every problem with its 1-based line number;
 * regexes are checked for catastrophic-backtracking shapes and compiled once. Reading the file is
 * the caller's job (files live at the edges): pass its text here.
 */
import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { normalizeTitle } from './identity.js';
import { type KernelRelease, isAtOrAfter, parseKernelRelease } from './kernel-release.js';
import { compileSafeRegex, safeTest } from './regex-safety.js';

export interface KnownIssueRule {
  id: string;
  /** title to match (the crash's title or one of its alt titles), exactly or after normalizeTitle */
  title: string | null;
  /** normalizeTitle(title), so `kernel BUG at fs/x.c:12!` also matches other line numbers */
  titleKey: string | null;
  titleRegex: RegExp | null;
  /** normalized architectures (`x86_64`, `arm64`, ...); null = any */
  arch: string[] | null;
  fixedIn: KernelRelease | null;
  fixedInText: string | null;
  url: string;
  note: string;
  /** line of the rule in the file */
  line: number;
}

export interface KnownIssueRules {
  rules: readonly KnownIssueRule[];
  /** first 16 hex digits of sha256 of the file content; null when no file is configured */
  hash: string | null;
}

export const NO_KNOWN_ISSUES: KnownIssueRules = { rules: [], hash: null };

export interface KnownIssueError {
  line: number;
  message: string;
}

export type KnownIssuesLoad = { ok: true; rules: KnownIssueRules } | { ok: false; errors: KnownIssueError[] };

const KEYS = new Set(['id', 'title', 'title_regex', 'arch', 'fixed_in', 'url', 'note']);

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  aarch64: 'arm64',
  arm64: 'arm64',
  x86_64: 'x86_64',
  amd64: 'x86_64',
  'x86-64': 'x86_64',
  i386: 'x86',
  i686: 'x86',
  x86: 'x86',
  ppc64le: 'powerpc',
  ppc64: 'powerpc',
  powerpc: 'powerpc',
  riscv64: 'riscv',
  riscv: 'riscv',
  s390x: 's390',
  s390: 's390',
};

export function normalizeArch(arch: string): string {
  const a = arch.trim().toLowerCase();
  return ARCH_ALIASES[a] ?? a;
}

export function rulesHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

export function parseKnownIssues(text: string): KnownIssuesLoad {
  const lineCounter = new LineCounter();
  // The failsafe schema keeps every scalar as written: `fixed_in: 6.10` must not become the float 6.1.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, schema: 'failsafe' });
  const errors: KnownIssueError[] = [];
  const lineOf = (node: YamlNode | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;

  for (const e of doc.errors) {
    errors.push({ line: lineCounter.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? e.message });
  }
  if (errors.length > 0) return { ok: false, errors };

  const root = doc.contents;
  const rules: KnownIssueRule[] = [];
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    return { ok: true, rules: { rules, hash: rulesHash(text) } };
  }
  if (!isSeq(root)) {
    return { ok: false, errors: [{ line: lineOf(root), message: 'expected a list of known issues' }] };
  }
  const ids = new Map<string, number>();
  for (const item of root.items) {
    const itemLine = lineOf(item as YamlNode);
    if (!isMap(item)) {
      errors.push({ line: itemLine, message: 'expected a mapping with id, title or title_regex, url, note' });
      continue;
    }
    const fields = new Map<string, { value: unknown; line: number }>();
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      const keyLine = lineOf(pair.key as YamlNode);
      if (key === null || !KEYS.has(key)) {
        errors.push({ line: keyLine, message: `unknown key ${JSON.stringify(key)}` });
        continue;
      }
      const v = pair.value as YamlNode | null;
      let value: unknown;
      if (isSeq(v)) value = v.items.map((x) => (isScalar(x) ? x.value : undefined));
      else if (isScalar(v)) value = v.value;
      else value = v === null ? null : undefined;
      fields.set(key, { value, line: v ? lineOf(v) : keyLine });
    }
    const str = (key: string, required: boolean): string | null => {
      const f = fields.get(key);
      if (!f || f.value === null || f.value === undefined) {
        if (required) errors.push({ line: itemLine, message: `missing required key "${key}"` });
        return null;
      }
      if (typeof f.value !== 'string' && typeof f.value !== 'number') {
        errors.push({ line: f.line, message: `"${key}" must be a string` });
        return null;
      }
      const s = String(f.value).trim();
      if (s === '') {
        errors.push({ line: f.line, message: `"${key}" must not be empty` });
        return null;
      }
      return s;
    };
    const id = str('id', true);
    const title = str('title', false);
    const titleRegexText = str('title_regex', false);
    const url = str('url', true);
    const note = str('note', true);
    const fixedInText = str('fixed_in', false);
    if (id !== null) {
      const seen = ids.get(id);
      if (seen !== undefined) {
        errors.push({
          line: fields.get('id')?.line ?? itemLine,
          message: `duplicate id "${id}" (first on line ${seen})`,
        });
      } else ids.set(id, fields.get('id')?.line ?? itemLine);
    }
    if (fields.has('title') === fields.has('title_regex')) {
      errors.push({ line: itemLine, message: 'exactly one of "title" or "title_regex" is required' });
    }
    let titleRegex: RegExp | null = null;
    if (titleRegexText !== null) {
      const c = compileSafeRegex(titleRegexText);
      if (c.ok) titleRegex = c.regex;
      else
        errors.push({
          line: fields.get('title_regex')?.line ?? itemLine,
          message: `title_regex: ${c.error}`,
        });
    }
    let fixedIn: KernelRelease | null = null;
    if (fixedInText !== null) {
      fixedIn = parseKernelRelease(fixedInText);
      if (!fixedIn) {
        errors.push({
          line: fields.get('fixed_in')?.line ?? itemLine,
          message: `fixed_in "${fixedInText}" is not a kernel release (expected e.g. 6.16.1, 7.0-rc3)`,
        });
      }
    }
    let arch: string[] | null = null;
    const archField = fields.get('arch');
    if (archField && archField.value !== null) {
      const list = Array.isArray(archField.value) ? archField.value : [archField.value];
      if (list.length === 0 || !list.every((a): a is string => typeof a === 'string' && a.trim() !== '')) {
        errors.push({ line: archField.line, message: '"arch" must be a string or a list of strings' });
      } else arch = list.map(normalizeArch);
    }
    if (id !== null && url !== null && note !== null) {
      const titleKey = title === null ? null : normalizeTitle(title);
      rules.push({ id, title, titleKey, titleRegex, arch, fixedIn, fixedInText, url, note, line: itemLine });
    }
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line);
    return { ok: false, errors };
  }
  return { ok: true, rules: { rules, hash: rulesHash(text) } };
}

export interface KnownIssueMatch {
  rule: KnownIssueRule;
  /** the host's kernel is at or after the rule's fixed_in */
  regression: boolean;
  /** matched by the exact title (not a regex) */
  exact: boolean;
}

/**
 * The first rule (in file order) that matches one of `titles` and the arch and whose fix the host
 * does not have yet; failing that, the first matching rule whose fix it has (a regression). An
 * unknown or unparsable kernel release counts as "not fixed yet".
 */
export function matchKnownIssue(
  rules: KnownIssueRules,
  titles: readonly string[],
  arch: string | null,
  kernelRelease: string | null,
): KnownIssueMatch | null {
  const a = arch === null ? null : normalizeArch(arch);
  let regression: KnownIssueMatch | null = null;
  for (const rule of rules.rules) {
    if (rule.arch !== null && (a === null || !rule.arch.includes(a))) continue;
    let exact = false;
    let hit = false;
    for (const t of titles) {
      if (rule.title !== null && (t === rule.title || normalizeTitle(t) === rule.titleKey)) {
        exact = true;
        hit = true;
        break;
      }
      if (rule.titleRegex !== null && safeTest(rule.titleRegex, t)) {
        hit = true;
        break;
      }
    }
    if (!hit) continue;
    const fixed = rule.fixedIn === null ? null : isAtOrAfter(kernelRelease, rule.fixedIn);
    if (fixed === true) {
      regression ??= { rule, regression: true, exact };
      continue;
    }
    return { rule, regression: false, exact };
  }
  return regression;
}
