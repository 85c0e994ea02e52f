/**
 * Shared by the replay tests: the bundled sample fleet (samples/fleet.ndjson, written from the
 * kernel's formats), an in-process reference run of the pipeline over the same events, and an
 * in-process `poisonlink replay` with captured output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseKnownIssues } from '../../src/classify/index.js';
import { Collector } from '../../src/cli/collect.js';
import { resolveConfig } from '../../src/config/load.js';
import { decodeNdjsonLine } from '../../src/decode/ndjson.js';
import type { KernelLogEvent } from '../../src/model/event.js';
import type { TriagedCrash } from '../../src/model/verdict.js';
import { createPipeline } from '../../src/pipeline.js';
import { type ReplayIo, replay } from '../../src/replay/run.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FLEET = path.join(REPO, 'samples', 'fleet.ndjson');
export const KNOWN_ISSUES = path.join(REPO, 'samples', 'known-issues.yaml');
export const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus');

/** Every line of the fleet file: the decoded event, or null for the malformed one. */
export function fleetLines(): Array<{ line: string; event: KernelLogEvent | null }> {
  return readFileSync(FLEET, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const r = decodeNdjsonLine(Buffer.from(line, 'utf8'));
      return { line, event: r.ok ? r.value : null };
    });
}

/**
 * The pipeline run in process, the way a test would drive it without any replay code: events in
 * the given order, advanced to the highest event time every `every` records, flushed at the end.
 */
export function referenceVerdicts(events: readonly KernelLogEvent[], every = 500): Map<string, TriagedCrash> {
  const config = resolveConfig({});
  const ki = parseKnownIssues(readFileSync(KNOWN_ISSUES, 'utf8'));
  if (!ki.ok) throw new Error('samples/known-issues.yaml does not parse');
  const collector = new Collector();
  const pipeline = createPipeline({
    correlation: config.correlation,
    limits: config.state,
    knownIssues: ki.rules,
    sink: collector,
  });
  let watermark = Number.NEGATIVE_INFINITY;
  events.forEach((e, i) => {
    pipeline.process(e);
    watermark = Math.max(watermark, e.ts);
    if ((i + 1) % every === 0) pipeline.advance(watermark);
  });
  pipeline.advance(watermark);
  pipeline.flush();
  return collector.verdicts;
}

/** latest revision per crash_id, as plain JSON (avsc/record prototypes do not matter) */
export function plain(m: Map<string, TriagedCrash>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)))),
  ) as Record<string, unknown>;
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runReplay(argv: string[], extra: Partial<ReplayIo> = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await replay(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTty: false,
    stderrColumns: 80,
    env: {},
    now: Date.now,
    ...extra,
  });
  return { code, stdout, stderr };
}
