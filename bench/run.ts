/**
 * `npm run bench [-- --only inprocess,memory,profile,broker,latency] [--records N] [--hosts N] [--runs N] ...`
 *
 * Runs each selected part in its own child process (clean heap, its own V8 flags), stores each
 * part's result as bench/out/<part>.json and writes bench/RESULTS.md from every result stored so
 * far, so parts can be re-run one at a time. Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderResults } from './render.js';
import { flag, log } from './stats.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const OUT = path.join(BENCH, 'out');

const ALL = ['inprocess', 'memory', 'profile', 'broker', 'latency'] as const;
type Part = (typeof ALL)[number];

/** the flags each part's child gets; the runtime's own V8 flag (bin/poisonlink.js) where it applies */
const NODE_FLAGS: Record<Part, string[]> = {
  inprocess: ['--max-semi-space-size=64', '--max-old-space-size=4096'],
  memory: ['--expose-gc', '--max-old-space-size=4096'],
  // profile.ts starts the profiled process itself
  profile: [],
  broker: ['--max-old-space-size=2048'],
  latency: ['--max-old-space-size=2048'],
};

const SCRIPT: Record<Part, string> = {
  inprocess: 'inprocess.ts',
  memory: 'memory.ts',
  profile: 'profile.ts',
  broker: 'broker.ts',
  latency: 'latency.ts',
};

/** flags passed through to every part (each reads the ones it knows) */
function passThrough(): string[] {
  const argv = process.argv.slice(2);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--only') {
      i++;
      continue;
    }
    if (a.startsWith('--only=')) continue;
    if (a === '--build' || a === '--source' || a === '--tag') {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

function runPart(part: Part): Promise<unknown> {
  const args = [
    ...NODE_FLAGS[part],
    '--import',
    'tsx',
    path.join(BENCH, SCRIPT[part]),
    ...passThrough(),
    ...extra,
  ];
  log(`${part}: node ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      for (const line of d.split('\n'))
        if (line !== '' && !line.startsWith('RESULT ')) process.stdout.write(`${line}\n`);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) {
        reject(
          new Error(`${part} exited with ${code ?? signal} and ${line === undefined ? 'no' : 'a'} result`),
        );
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as unknown);
    });
  });
}

const only = flag('only', ALL.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');
for (const p of only) {
  if (!(ALL as readonly string[]).includes(p))
    throw new Error(`--only: unknown part ${p} (parts: ${ALL.join(', ')})`);
}
mkdirSync(OUT, { recursive: true });
const extra: string[] = [];
// measure the compiled JavaScript that bin/poisonlink.js runs, unless told to use the sources
if (flag('source', 0) === 0 && !process.argv.includes('--dist')) {
  const dist = path.join(OUT, 'dist');
  if (flag('build', 1) === 1 || !existsSync(dist)) {
    log('building src/ into bench/out/dist (tsc -p tsconfig.build.json)');
    await new Promise<void>((resolve, reject) => {
      const tsc = spawn(
        process.execPath,
        [
          path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          'tsconfig.build.json',
          '--outDir',
          dist,
        ],
        {
          cwd: ROOT,
          stdio: 'inherit',
        },
      );
      tsc.on('error', reject);
      // tsc emits even when another helper's file has a type error; only a missing output is fatal
      tsc.on('exit', () =>
        existsSync(path.join(dist, 'pipeline.js'))
          ? resolve()
          : reject(new Error('tsc wrote no pipeline.js')),
      );
    });
  }
  // the compiled decoder reads ../../schemas relative to itself
  if (!existsSync(path.join(OUT, 'schemas')))
    symlinkSync(path.join('..', '..', 'schemas'), path.join(OUT, 'schemas'));
  extra.push('--dist', dist);
}
let failed = 0;
for (const part of only as Part[]) {
  try {
    let result = await runPart(part);
    const tag = flag('tag', '');
    const file = path.join(OUT, tag === '' ? `${part}.result` : `${part}-${tag}.result`);
    // memory parts can be run one at a time (--memory-parts flood): keep the other figures
    if (part === 'memory' && process.argv.some((a) => a.startsWith('--memory-parts')) && existsSync(file)) {
      result = { ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...(result as object) };
    }
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`${part}: done`);
  } catch (e: unknown) {
    failed++;
    log(`${part}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
  }
}
const results: Record<string, unknown> = {};
// <part>.result, then tagged extra results (<part>-<tag>.result) of the same part
for (const part of ALL) {
  const names = readdirSync(OUT)
    .filter((f) => f === `${part}.result` || (f.startsWith(`${part}-`) && f.endsWith('.result')))
    .sort();
  for (const f of names)
    results[f.slice(0, -'.result'.length)] = JSON.parse(readFileSync(path.join(OUT, f), 'utf8')) as unknown;
}
const text = (name: string): string => {
  const f = path.join(BENCH, name);
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
};
writeFileSync(path.join(BENCH, 'RESULTS.md'), renderResults(results, text('NOTES.md'), text('SUMMARY.md')));
log(`wrote bench/RESULTS.md from ${Object.keys(results).join(', ') || 'no results'}`);
process.exitCode = failed > 0 ? 1 : 0;
