/** Crash report assembly per host (DESIGN.md §1). */
export {
  type AssembleOutput,
  type AssemblerState,
  advanceAssembler,
  assemblerIsIdle,
  endEvent,
  flushAssembler,
  MAX_OPEN,
  newAssemblerState,
  pushLine,
} from './assembler.js';
export {
  advanceHost,
  flushHost,
  type HostLineState,
  hostIsIdle,
  type HostOutput,
  newHostLineState,
  processEvent,
} from './host.js';
export type { OpenReport } from './report.js';
export { splitMessage, stripStamp } from '../parse/hw/line.js';
