/**
 * Loads the configuration once at start-up: defaults < one YAML file < `POISONLINK_*` environment
 * < flags. Every problem is collected and reported together, each with its path and, for the YAML
 * file, its line.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { PoisonlinkError } from './errors.js';
import { type Config, envName, type KeySpec, SCHEMA } from './schema.js';

export interface ConfigProblem {
  /** key path, e.g. `correlation.horizonMs`; `` for file-level problems */
  path: string;
  message: string;
  /** where the value came from: `file.yaml:12`, `POISONLINK_X`, `--set`, `--brokers` */
  origin: string;
}

export interface ConfigSources {
  /** YAML text and its name (for messages) */
  file?: { name: string; text: string };
  env?: NodeJS.ProcessEnv;
  /** `key.path` → raw string, in flag order */
  sets?: ReadonlyArray<{ path: string; value: string; origin: string }>;
}

type Raw = { value: unknown; origin: string };

const SECTIONS = new Set(
  Object.keys(SCHEMA).flatMap((k) => {
    const segs = k.split('.');
    return segs.slice(1).map((_, i) => segs.slice(0, i + 1).join('.'));
  }),
);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 60)}...` : v}'`;
  return String(v);
}

/** Turns a string from the environment or a flag into the key's type, or explains why not. */
function coerce(spec: KeySpec, s: string): { value: unknown } | { error: string } {
  switch (spec.kind) {
    case 'int':
      if (!/^-?\d+$/.test(s.trim())) return { error: `expected an integer, found '${s}'` };
      return { value: Number(s.trim()) };
    case 'bool': {
      const t = s.trim().toLowerCase();
      if (t === 'true') return { value: true };
      if (t === 'false') return { value: false };
      return { error: `expected true or false, found '${s}'` };
    }
    case 'list':
      return {
        value: s
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== ''),
      };
    case 'string':
      return { value: spec.nullable === true && (s === '' || s === 'null') ? null : s };
    case 'enum':
      return { value: s.trim() };
  }
}

/** Checks one value against its spec; returns the problem message or null. */
function check(spec: KeySpec, v: unknown): string | null {
  switch (spec.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        return `expected an integer, found ${describe(v)}`;
      if (v < spec.min || v > spec.max) return `expected ${spec.min}..${spec.max}, found ${v}`;
      return null;
    case 'bool':
      return typeof v === 'boolean' ? null : `expected true or false, found ${describe(v)}`;
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v)
        ? null
        : `expected one of ${spec.values.join(', ')}, found ${describe(v)}`;
    case 'string':
      if (v === null) return spec.nullable === true ? null : 'expected a string, found null';
      if (typeof v !== 'string') return `expected a string, found ${describe(v)}`;
      if (spec.minLength !== undefined && v.length < spec.minLength) return 'expected a non-empty string';
      return null;
    case 'list': {
      if (!Array.isArray(v)) return `expected a list of strings, found ${describe(v)}`;
      if (v.length < spec.minItems) return `expected at least ${spec.minItems} item(s), found ${v.length}`;
      for (const item of v) {
        if (typeof item !== 'string' || item === '')
          return `expected non-empty strings, found ${describe(item)}`;
        if (spec.hostPort === true && !/^(?:\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(item)) {
          return `expected host:port, found ${describe(item)}`;
        }
      }
      return null;
    }
  }
}

function readYaml(file: { name: string; text: string }, problems: ConfigProblem[]): Map<string, Raw> {
  const out = new Map<string, Raw>();
  const lc = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter: lc, prettyErrors: false });
  const at = (offset: number | undefined): string =>
    offset === undefined ? file.name : `${file.name}:${lc.linePos(offset).line}`;
  for (const err of doc.errors) {
    problems.push({
      path: '',
      message: `YAML syntax: ${err.message.split('\n')[0]}`,
      origin: at(err.pos[0]),
    });
  }
  if (doc.errors.length > 0) return out;
  const walk = (node: unknown, prefix: string): void => {
    if (node === null || node === undefined) return;
    if (!isMap(node)) {
      const offset = isScalar(node) || isSeq(node) ? node.range?.[0] : undefined;
      problems.push({
        path: prefix,
        message: `expected a mapping, found ${describe((node as { toJSON?: () => unknown }).toJSON?.())}`,
        origin: at(offset),
      });
      return;
    }
    for (const pair of node.items) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const offset = isScalar(keyNode) ? keyNode.range?.[0] : undefined;
      const valueNode = pair.value;
      if (path in SCHEMA) {
        const js = isScalar(valueNode) || isSeq(valueNode) || isMap(valueNode) ? valueNode.toJSON() : null;
        out.set(path, { value: js, origin: at(offset) });
      } else if (SECTIONS.has(path)) {
        walk(valueNode, path);
      } else {
        problems.push({ path, message: 'unknown key', origin: at(offset) });
      }
    }
  };
  walk(doc.contents, '');
  return out;
}

/** Builds and validates the configuration; throws CONFIG_INVALID listing every problem. */
export function resolveConfig(sources: ConfigSources): Config {
  const problems: ConfigProblem[] = [];
  const raw = new Map<string, Raw>();
  for (const [k, spec] of Object.entries(SCHEMA)) raw.set(k, { value: spec.default, origin: 'default' });
  if (sources.file !== undefined) for (const [k, v] of readYaml(sources.file, problems)) raw.set(k, v);

  const byEnv = new Map(Object.keys(SCHEMA).map((k) => [envName(k), k]));
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith('POISONLINK_') || value === undefined) continue;
    const path = byEnv.get(name);
    if (path === undefined) {
      problems.push({ path: '', message: `unknown environment variable ${name}`, origin: name });
      continue;
    }
    const c = coerce(SCHEMA[path]!, value);
    if ('error' in c) problems.push({ path, message: c.error, origin: name });
    else raw.set(path, { value: c.value, origin: name });
  }
  for (const s of sources.sets ?? []) {
    const spec = SCHEMA[s.path];
    if (spec === undefined) {
      problems.push({ path: s.path, message: 'unknown key', origin: s.origin });
      continue;
    }
    const c = coerce(spec, s.value);
    if ('error' in c) problems.push({ path: s.path, message: c.error, origin: s.origin });
    else raw.set(s.path, { value: c.value, origin: s.origin });
  }

  for (const [path, { value, origin }] of raw) {
    const msg = check(SCHEMA[path]!, value);
    if (msg !== null) problems.push({ path, message: msg, origin });
  }
  crossChecks(raw, problems);
  if (problems.length > 0) throw configError(problems);
  return build(raw);
}

function crossChecks(raw: Map<string, Raw>, problems: ConfigProblem[]): void {
  const get = (k: string): Raw => raw.get(k)!;
  const mech = get('kafka.sasl.mechanism');
  if (mech.value !== 'none') {
    const user = get('kafka.sasl.username');
    if (user.value === null || user.value === '') {
      problems.push({
        path: 'kafka.sasl.username',
        message: `required when mechanism is ${mech.value}`,
        origin: user.origin,
      });
    }
    if (get('kafka.sasl.password').value === null && get('kafka.sasl.passwordFile').value === null) {
      problems.push({
        path: 'kafka.sasl.passwordFile',
        message: `a password is required when mechanism is ${mech.value}: set passwordFile or POISONLINK_KAFKA_SASL_PASSWORD`,
        origin: mech.origin,
      });
    }
  }
  const cert = get('kafka.ssl.certFile');
  const key = get('kafka.ssl.keyFile');
  if ((cert.value === null) !== (key.value === null)) {
    problems.push({
      path: cert.value === null ? 'kafka.ssl.certFile' : 'kafka.ssl.keyFile',
      message: 'certFile and keyFile go together (mTLS)',
      origin: cert.value === null ? key.origin : cert.origin,
    });
  }
  const topics = [
    'topics.verdicts',
    'topics.hostEvents',
    'topics.deadLetter',
    'topics.changelog',
    'topics.repartition',
  ];
  const inputs = get('topics.input').value;
  if (Array.isArray(inputs)) {
    for (const t of topics) {
      const r = get(t);
      if (inputs.includes(r.value)) {
        problems.push({
          path: t,
          message: `must differ from the input topic ${describe(r.value)}`,
          origin: r.origin,
        });
      }
    }
  }
}

function build(raw: Map<string, Raw>): Config {
  const root: Record<string, unknown> = {};
  for (const [path, { value }] of raw) {
    const segs = path.split('.');
    let node = root;
    for (const seg of segs.slice(0, -1)) {
      node[seg] ??= {};
      node = node[seg] as Record<string, unknown>;
    }
    node[segs.at(-1)!] = Array.isArray(value) ? [...value] : value;
  }
  // every key of Config is a row of SCHEMA and was checked against its spec above
  return root as unknown as Config;
}

export function configError(problems: readonly ConfigProblem[]): PoisonlinkError {
  const lines = problems.map((p) => `  ${p.path === '' ? '(file)' : p.path}: ${p.message} [${p.origin}]`);
  const err = new PoisonlinkError(
    'CONFIG_INVALID',
    `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
  );
  return Object.assign(err, { problems });
}

/** Flags every command that reads the config accepts, mapped to keys. */
const FLAG_KEYS: Readonly<Record<string, string>> = {
  '--brokers': 'kafka.brokers',
  '--group-id': 'consumer.groupId',
  '--input': 'topics.input',
  '--format': 'input.format',
  '--http-port': 'http.port',
  '--log-level': 'log.level',
  '--known-issues': 'knownIssues.file',
};

export interface ParsedArgs {
  configFile: string | null;
  sets: Array<{ path: string; value: string; origin: string }>;
  /** arguments this parser does not know (the caller decides) */
  rest: string[];
  problems: ConfigProblem[];
}

/** Reads `--config FILE`, `--set a.b=c` and the common flags (`--brokers a:9092,b:9092`, ...). */
export function parseConfigArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { configFile: null, sets: [], rest: [], problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const known = name === '--config' || name === '-c' || name === '--set' || name in FLAG_KEYS;
    if (!known) {
      out.rest.push(arg);
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) {
      out.problems.push({ path: '', message: `${name} needs a value`, origin: name });
      continue;
    }
    if (name === '--config' || name === '-c') out.configFile = value;
    else if (name === '--set') {
      const at = value.indexOf('=');
      if (at <= 0)
        out.problems.push({
          path: '',
          message: `expected --set key.path=value, found '${value}'`,
          origin: '--set',
        });
      else out.sets.push({ path: value.slice(0, at), value: value.slice(at + 1), origin: '--set' });
    } else out.sets.push({ path: FLAG_KEYS[name]!, value, origin: name });
  }
  return out;
}

/** argv + environment → Config, reading the `--config` file; throws CONFIG_INVALID / CONFIG_FILE_UNREADABLE. */
export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { config: Config; rest: string[] } {
  const parsed = parseConfigArgs(argv);
  let file: ConfigSources['file'];
  if (parsed.configFile !== null) {
    try {
      file = { name: parsed.configFile, text: readFileSync(parsed.configFile, 'utf8') };
    } catch (e: unknown) {
      throw new PoisonlinkError('CONFIG_FILE_UNREADABLE', `cannot read config file ${parsed.configFile}`, {
        cause: e,
      });
    }
  }
  if (parsed.problems.length > 0) throw configError(parsed.problems);
  const sources: ConfigSources = { env, sets: parsed.sets };
  if (file !== undefined) sources.file = file;
  return { config: resolveConfig(sources), rest: parsed.rest };
}
