export { advance, hasUnrecoveredPoison, hostExpired, newHostState, nextDueUs, step } from './reducer.js';
export { decodeHostState, encodeHostState, HOST_STATE_TYPE } from './snapshot.js';
export { KERNEL_PAGE_TYPES, SETTLE_US } from './incidents.js';
export type {
  CorrelateContext,
  CorrelateInput,
  HostState,
  Incident,
  OpenVerdict,
  StepResult,
} from './types.js';
