/**
 * Micro-benchmark: the project's KernelLogEvent decoder (createKernelLogEventDecoder, raw Avro)
 * against avsc's own `Type.fromBuffer` on the same 200k buffers, in the same process.
 * Median of 5 timed runs each, after a warm-up, runs interleaved. Run: `npx tsx bench/decode.bench.ts`.
 * Target (issue 3): ratio ≤ 1.25.
 */
import avro from 'avsc';
import { createKernelLogEventCodec } from '../src/decode/codecs.js';
import { createKernelLogEventDecoder } from '../src/decode/kernel-log-event-decoder.js';
import { SCHEMA_TEXT } from '../src/decode/schemas.js';
import type { KernelLogEvent } from '../src/model/event.js';

const N = 200_000;
const RUNS = 5;

const MESSAGES = [
  'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
  'mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 4: a600000000020408',
  ' dump_stack+0xca/0x13e',
  'EDAC MC0: 1 CE memory read error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0 (channel:1 slot:0 page:0x7740c0 offset:0x0 grain:32 syndrome:0x0)',
  'BUG: unable to handle kernel paging request at ffff8801d2c8fa80',
  'Call Trace:',
];

function event(i: number): KernelLogEvent {
  return {
    host: `host-${i % 977}.fra1.example.net`,
    boot_id: i % 5 === 0 ? null : '1b0f6a54-6b77-4c2e-9a51-4bd5d0b3e2a1',
    ts: 1_750_000_000_000_000 + i * 137,
    uptime_us: 88_690_000_000 + i,
    seq: i % 3 === 0 ? null : 100_000 + i,
    priority: i % 8,
    message: MESSAGES[i % MESSAGES.length] as string,
    arch: 'x86_64',
    kernel_release: i % 2 === 0 ? '6.6.30-1.el9.x86_64' : null,
    source: 'kmsg',
    caller: i % 4 === 0 ? null : `T${i % 40_000}`,
  };
}

const codec = createKernelLogEventCodec();
const buffers = Array.from({ length: N }, (_, i) => codec.encode(event(i)));
const plain = avro.Type.forSchema(JSON.parse(SCHEMA_TEXT['kernel-log-event']) as avro.Schema);
const decoder = createKernelLogEventDecoder({ format: 'avro' });

let sink = 0;
function timeAvsc(): number {
  const t0 = process.hrtime.bigint();
  for (const b of buffers) sink += (plain.fromBuffer(b) as KernelLogEvent).ts & 1;
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
function timeProject(): number {
  const t0 = process.hrtime.bigint();
  for (const b of buffers) {
    const r = decoder.decode(b);
    if (r.ok) sink += r.value.ts & 1;
    else throw new Error('benchmark buffer did not decode');
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

timeAvsc();
timeProject();
const avscMs: number[] = [];
const projectMs: number[] = [];
for (let r = 0; r < RUNS; r++) {
  avscMs.push(timeAvsc());
  projectMs.push(timeProject());
}
const a = median(avscMs);
const p = median(projectMs);
const ratio = p / a;
console.log(`KernelLogEvent decode, ${N} buffers, median of ${RUNS} runs`);
console.log(`  avsc Type.fromBuffer : ${a.toFixed(1)} ms (${((a * 1e6) / N).toFixed(0)} ns/record)`);
console.log(`  poisonlink decoder   : ${p.toFixed(1)} ms (${((p * 1e6) / N).toFixed(0)} ns/record)`);
console.log(`  ratio                : ${ratio.toFixed(3)} (target <= 1.25) ${ratio <= 1.25 ? 'OK' : 'OVER'}`);
if (sink < 0) console.log(sink);
