import type { KernelLogEvent } from '../model/event.js';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';
import { type AvroCodec, type AvroCodecOptions, createAvroCodec } from './avro-codec.js';
import {
  checkHostHardwareEvent,
  checkKernelLogEvent,
  checkTriagedCrash,
  jsonHasReplacementChar,
  kernelLogEventHasReplacementChar,
} from './checks.js';
import { HOST_HARDWARE_EVENT_TYPE, KERNEL_LOG_EVENT_TYPE, TRIAGED_CRASH_TYPE } from './schemas.js';

/**
 * Codecs for the three records of DESIGN.md §2-3. Each one owns its cache of writer schemas by
 * registry id, so create one per consumer/producer and keep it.
 *
 * Decoded records are avsc record instances: plain own fields exactly as the TypeScript
 * interfaces, on a prototype avsc generates (no copy on the hot path).
 */
export function createKernelLogEventCodec(options: AvroCodecOptions = {}): AvroCodec<KernelLogEvent> {
  return createAvroCodec<KernelLogEvent>(
    {
      name: 'KernelLogEvent',
      type: KERNEL_LOG_EVENT_TYPE,
      check: checkKernelLogEvent,
      hasReplacementChar: kernelLogEventHasReplacementChar,
    },
    options,
  );
}

export function createTriagedCrashCodec(options: AvroCodecOptions = {}): AvroCodec<TriagedCrash> {
  return createAvroCodec<TriagedCrash>(
    {
      name: 'TriagedCrash',
      type: TRIAGED_CRASH_TYPE,
      check: checkTriagedCrash,
      hasReplacementChar: jsonHasReplacementChar,
    },
    options,
  );
}

export function createHostHardwareEventCodec(options: AvroCodecOptions = {}): AvroCodec<HostHardwareEvent> {
  return createAvroCodec<HostHardwareEvent>(
    {
      name: 'HostHardwareEvent',
      type: HOST_HARDWARE_EVENT_TYPE,
      check: checkHostHardwareEvent,
      hasReplacementChar: jsonHasReplacementChar,
    },
    options,
  );
}
