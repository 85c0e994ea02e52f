/** Printing the configuration for people: defaults with their docs, and a redacted resolved config. */
import type { Config } from './schema.js';
import { SCHEMA } from './schema.js';

export const REDACTED = '[redacted]';

/** A deep copy with every secret key replaced; the only form of a Config that may be logged. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  for (const [path, spec] of Object.entries(SCHEMA)) {
    if (spec.secret !== true) continue;
    const segs = path.split('.');
    let node: Record<string, unknown> = copy as unknown as Record<string, unknown>;
    for (const seg of segs.slice(0, -1)) node = node[seg] as Record<string, unknown>;
    const last = segs.at(-1)!;
    if (node[last] !== null && node[last] !== undefined) node[last] = REDACTED;
  }
  return copy;
}

function yamlScalar(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => yamlScalar(x)).join(', ')}]`;
  if (typeof v === 'string') return /^[A-Za-z0-9_.:/-]+$/.test(v) && v !== 'null' ? v : JSON.stringify(v);
  return String(v);
}

/** The defaults as a commented YAML file (`poisonlink config --print-defaults`). */
export function defaultsYaml(): string {
  const lines: string[] = [];
  let section = '';
  let sub = '';
  for (const [path, spec] of Object.entries(SCHEMA)) {
    if (spec.secret === true) continue;
    const segs = path.split('.');
    if (segs[0] !== section) {
      section = segs[0]!;
      sub = '';
      lines.push(`${section}:`);
    }
    let indent = '  ';
    if (segs.length === 3) {
      if (segs[1] !== sub) {
        sub = segs[1]!;
        lines.push(`  ${sub}:`);
      }
      indent = '    ';
    }
    const bounds =
      spec.kind === 'int'
        ? ` (${spec.min}..${spec.max})`
        : spec.kind === 'enum'
          ? ` (${spec.values.join('|')})`
          : '';
    lines.push(`${indent}# ${spec.doc}${bounds}`);
    lines.push(`${indent}${segs.at(-1)}: ${yamlScalar(spec.default)}`);
  }
  return `${lines.join('\n')}\n`;
}
