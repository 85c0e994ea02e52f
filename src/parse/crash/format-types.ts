/** Shapes of the crash-report format table (see formats.ts). */
import type { CrashKind } from '../../model/crash.js';
import type { LineMatcher } from './pattern.js';
import type { StackFmt } from './stack.js';

export interface Format {
  title: LineMatcher | readonly LineMatcher[];
  /** when present, must also match (searched from the report's beginning); its captures replace the title's */
  report?: readonly LineMatcher[];
  fmt: string;
  alt?: readonly string[];
  stack?: StackFmt;
  /** the format has no stack trace by nature: no corruption check for a missing one */
  noStackTrace?: boolean;
  /** a title of this format means the report lost its real header */
  corrupted?: boolean;
  kind?: CrashKind;
}

export interface OopsGroup {
  id: string;
  /** literal that must appear in the start line */
  header: string;
  kind: CrashKind;
  formats: readonly Format[];
  /** lines holding the header that are not crashes */
  suppress: readonly LineMatcher[];
  /** line usually continues an open report (`Kernel panic - not syncing`, arm `Internal error: Oops`) */
  secondary?: RegExp;
  /** recognizer of our own (hardware crash shapes); not part of syzkaller's table */
  ext?: boolean;
}
