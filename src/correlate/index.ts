/**
 * The per-host correlator (DESIGN.md §4). How the pipeline drives it:
 *
 * - one HostState per host (`newHostState(host)`, or `decodeHostState(changelogValue)` on restore);
 * - `step(state, input, ctx)` for every HwSignal and MarkerSignal of the host, every closed
 *   CrashReport, and `{type: 'boot'}` when the host's boot_id changes (optional: ids on signals and
 *   reports are read too); hardware signals before the reports closed by the same line;
 * - `advance(state, watermarkUs, ctx)` when event time moves on; `nextDueUs(state, ctx)` says when
 *   that matters for a host (a verdict waits up to SETTLE_US of event time for the fault it may depend
 *   on, so advance hosts that have gone quiet, e.g. after a panic); at end of input
 *   `advance(state, Number.MAX_SAFE_INTEGER, ctx)`;
 * - outputs: verdicts, host events, late outcomes and evictions in StepResult; write
 *   `encodeHostState(state)` to the changelog for hosts that stepped; drop a host when
 *   `hostExpired(state, watermarkUs, ctx)` (count it as a `retention` eviction).
 * step/advance mutate the given state and return it.
 *
 * Restart: restore every host of the partition from its latest changelog snapshot before consuming;
 * the restored state carries which host events were sent (per incident) and the last revision of
 * every open verdict, so nothing already committed is emitted again and revisions continue from n.
 */
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
