/** Output record encodings: raw Avro of schemas/triaged-crash.avsc and host-hardware-event.avsc. */
import { createHostHardwareEventCodec, createTriagedCrashCodec } from '../decode/codecs.js';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';

export interface OutputEncoders {
  verdict(v: TriagedCrash): Buffer;
  hostEvent(e: HostHardwareEvent): Buffer;
}

export function createOutputEncoders(): OutputEncoders {
  const crash = createTriagedCrashCodec();
  const host = createHostHardwareEventCodec();
  return { verdict: (v) => crash.encode(v), hostEvent: (e) => host.encode(e) };
}
