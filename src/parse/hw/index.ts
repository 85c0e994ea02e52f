/**
 * Hardware-error signals from kernel log lines (reference/kernel-formats.md §2, §4–§7, §9).
 * Public API: per-host state plus three functions over it.
 */
export { type HwBlock, mceSeverity } from './blocks.js';
export { bootChange, isBootBanner } from './boot.js';
export { armErrAddr, hexToNumber, physToPfn } from './hex.js';
export { boundedLine, splitMessage, stripStamp } from './line.js';
export { esrIsExternalAbort, HW_ROWS, type HwRow } from './rows.js';
export {
  advanceHw,
  flushHw,
  HOLD_US,
  type HwState,
  hwIsIdle,
  hwPrefilter,
  MAX_BLOCKS,
  MAX_HELD,
  MAX_SIGNAL_LINE,
  newHwState,
  pushHwLine,
} from './state.js';
