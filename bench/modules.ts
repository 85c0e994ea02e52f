/**
 * The project modules a benchmark part measures: the TypeScript sources through tsx (default), or
 * the compiled JavaScript that `bin/poisonlink.js` runs, from `--dist <dir>` (bench/run.ts builds
 * bench/out/dist with tsconfig.build.json). tsx's transform keeps function names by wrapping
 * every nested function in a `__name(...)` call at the moment it is created, which costs time in
 * hot closures; the compiled output has none of that. Types always come from src/.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Classify from '../src/classify/index.js';
import type * as Codecs from '../src/decode/codecs.js';
import type * as Decoder from '../src/decode/kernel-log-event-decoder.js';
import type * as Schemas from '../src/decode/schemas.js';
import type * as Config from '../src/model/config.js';
import type * as Model from '../src/model/event.js';
import type * as PipelineModule from '../src/pipeline.js';
import type * as Stages from '../src/runtime/stages.js';
import type * as Source from '../src/source/decoder.js';
import type * as Encoders from '../src/sink/encoders.js';
import { flag } from './stats.js';

export interface ProjectModules {
  /** where the modules came from, for the report */
  origin: string;
  classify: typeof Classify;
  codecs: typeof Codecs;
  decoder: typeof Decoder;
  schemas: typeof Schemas;
  config: typeof Config;
  pipeline: typeof PipelineModule;
  stages: typeof Stages;
  encoders: typeof Encoders;
  source: typeof Source;
  model: typeof Model;
}

export async function loadProject(): Promise<ProjectModules> {
  const dist = flag('dist', '');
  const load = async <T>(rel: string): Promise<T> =>
    (await import(
      dist === ''
        ? new URL(`../src/${rel}`, import.meta.url).href
        : pathToFileURL(path.resolve(dist, rel)).href
    )) as T;
  const [classify, codecs, decoder, schemas, config, pipeline, stages, encoders, source, model] =
    await Promise.all([
      load<typeof Classify>('classify/index.js'),
      load<typeof Codecs>('decode/codecs.js'),
      load<typeof Decoder>('decode/kernel-log-event-decoder.js'),
      load<typeof Schemas>('decode/schemas.js'),
      load<typeof Config>('model/config.js'),
      load<typeof PipelineModule>('pipeline.js'),
      load<typeof Stages>('runtime/stages.js'),
      load<typeof Encoders>('sink/encoders.js'),
      load<typeof Source>('source/decoder.js'),
      load<typeof Model>('model/event.js'),
    ]);
  return {
    origin:
      dist === ''
        ? 'src/ through tsx'
        : `${path.relative(process.cwd(), path.resolve(dist))} (compiled by tsc)`,
    classify,
    codecs,
    decoder,
    schemas,
    config,
    pipeline,
    stages,
    encoders,
    source,
    model,
  };
}
