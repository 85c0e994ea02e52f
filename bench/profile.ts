/**
 * Part 3, profile: runs the in-process `pipeline` variant (decode + process + advance) once under
 * `node --cpu-prof` and lists the functions with the most self time. The profile file stays in
 * bench/out/ (git-ignored) for Chrome DevTools / speedscope.
 * Run alone: node --import tsx bench/profile.ts --records 2000000
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hotFunctions } from './cpuprofile.js';
import { flag, log, machine, report } from './stats.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const DIR = path.join(BENCH, 'out', `profile-${Date.now()}`);
mkdirSync(DIR, { recursive: true });

const records = flag('records', 2_000_000);
const hosts = flag('hosts', 50_000);
const variant = flag('profile-variant', 'pipeline');
const pipelineModule = flag('pipeline', '');
const dist = flag('dist', '');
const args = [
  '--max-semi-space-size=64',
  '--max-old-space-size=4096',
  '--cpu-prof',
  `--cpu-prof-dir=${DIR}`,
  '--import',
  'tsx',
  path.join(BENCH, 'inprocess.ts'),
  '--records',
  String(records),
  '--hosts',
  String(hosts),
  '--runs',
  '1',
  '--variants',
  variant,
  ...(pipelineModule === '' ? [] : ['--pipeline', pipelineModule]),
  ...(dist === '' ? [] : ['--dist', dist]),
];
log(`profile: node ${args.join(' ')}`);
const code = await new Promise<number>((resolve, reject) => {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', reject);
  child.on('exit', (c) => resolve(c ?? 1));
});
if (code !== 0) throw new Error(`profiled run exited with ${code}`);
// the main thread's profile is the biggest file (tsx's loader thread writes a small one)
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => path.join(DIR, f))
  .sort((a, b) => statSync(b).size - statSync(a).size);
const file = files[0];
if (file === undefined) throw new Error('no .cpuprofile written');
const { totalMs, rows } = hotFunctions(file, ROOT, 30);
report({
  part: 'profile',
  machine: machine(),
  records,
  hosts,
  variant,
  pipelineModule: pipelineModule || 'pipeline.js of the modules',
  modules: dist === '' ? 'src/ through tsx' : `${path.relative(ROOT, dist)} (compiled by tsc)`,
  file: path.relative(ROOT, file),
  totalMs,
  rows,
});
