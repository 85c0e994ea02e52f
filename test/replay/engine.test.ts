import { describe, expect, it } from 'vitest';
import { Collector } from '../../src/cli/collect.js';
import { makeEvent } from '../../src/model/event.js';
import type { Pipeline, PipelineSink } from '../../src/pipeline.js';
import { ReplayEngine } from '../../src/replay/engine.js';

type Call = [string, ...unknown[]];

function fakePipelines() {
  const calls = new Map<number, Call[]>();
  let n = 0;
  const create = (_sink: PipelineSink): Pipeline => {
    const id = n++;
    const log: Call[] = [];
    calls.set(id, log);
    return {
      process: (e) => {
        if (e.message === 'boom') throw new Error('exploded');
        log.push(['process', e.host, e.ts]);
      },
      processRoutine: () => false,
      advance: (w) => log.push(['advance', w]),
      flush: () => log.push(['flush']),
      takeDirtyHosts: () => [],
      snapshot: () => null,
      restore: () => {},
      restoreWatermark: () => {},
      gauges: () => ({ hosts: 0, hostsWithUnrecoveredPoison: 0 }),
    };
  };
  return { calls, create };
}

const ev = (host: string, ts: number, message = 'x') => ({
  ok: true as const,
  value: makeEvent({ host, ts, message }),
});

describe('ReplayEngine', () => {
  it('gives each partition its own pipeline and advances it to its highest event time after a chunk', () => {
    const { calls, create } = fakePipelines();
    const engine = new ReplayEngine({ collector: new Collector(), createPipeline: create });
    engine.record(3, ev('a', 100), 't/3@0');
    engine.record(3, ev('a', 90), 't/3@1'); // late record: the watermark stays at 100
    engine.record(1, ev('b', 50), 't/1@0');
    engine.endChunk(3);
    engine.endChunk(1);
    engine.endChunk(3); // nothing new: no second advance
    expect(calls.get(0)).toEqual([
      ['process', 'a', 100],
      ['process', 'a', 90],
      ['advance', 100],
    ]);
    expect(calls.get(1)).toEqual([
      ['process', 'b', 50],
      ['advance', 50],
    ]);
    expect(engine.laneCount).toBe(2);
  });

  it('flushes every pipeline at the end, lowest partition first, after a last advance', () => {
    const { calls, create } = fakePipelines();
    const engine = new ReplayEngine({ collector: new Collector(), createPipeline: create });
    engine.record(2, ev('a', 10), 'x');
    engine.record(0, ev('b', 20), 'y');
    engine.finish();
    // pipeline 0 serves partition 2, pipeline 1 partition 0
    expect(calls.get(1)).toEqual([['process', 'b', 20], ['advance', 20], ['flush']]);
    expect(calls.get(0)).toEqual([['process', 'a', 10], ['advance', 10], ['flush']]);
  });

  it('counts bad records by code, keeps the first ones with where they were, and skips non-kernel records quietly', () => {
    const { create } = fakePipelines();
    const collector = new Collector();
    const engine = new ReplayEngine({ collector, createPipeline: create, keepBad: 2 });
    engine.record(0, { ok: false, error: { code: 'TRUNCATED', message: 'cut' } }, 'in/0@5');
    engine.record(0, { ok: false, error: { code: 'EMPTY', message: 'none' } }, 'in/0@6');
    engine.record(0, { ok: false, error: { code: 'TRUNCATED', message: 'cut' } }, 'in/0@7');
    engine.record(0, { ok: false, skipped: 'NOT_KERNEL', message: 'sshd' }, 'in/0@8');
    engine.record(0, ev('a', 1, 'boom'), 'in/0@9');
    expect(collector.counts.records).toBe(5);
    expect(collector.counts.deadLetters).toBe(4);
    expect(engine.skipped).toBe(1);
    expect(Object.fromEntries(engine.badByCode)).toEqual({ TRUNCATED: 2, EMPTY: 1, PROCESSING_FAILED: 1 });
    expect(engine.bad).toEqual([
      { where: 'in/0@5', code: 'TRUNCATED', message: 'cut' },
      { where: 'in/0@6', code: 'EMPTY', message: 'none' },
    ]);
  });
});
