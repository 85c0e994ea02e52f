/**
 * Console-capture line handling for the syzkaller corpus, the way syzkaller's own parser reads
 * these captures: the `[  12.345678]` stamp and the optional printk caller id (`[ T123]`, `[  C0]`)
 * are stripped; the caller id is the line's "context", so one task's report can be pulled out of
 * interleaved output. (The production dmesg adapter lives in src/decode; this keeps the
 * evaluation tied to the corpus's own conventions.)
 */

export interface ConsoleLine {
  /** '' when the line has no stamp, 'console' for a stamp without caller id, else the caller id */
  context: string;
  text: string;
  /** the line without its stamp (for questionable frames `text` drops the ` ? ` too) */
  line: string;
  /** an unreliable ` ? func+0x..` frame or a powerpc `(unreliable)` one (only in stamped lines) */
  questionable: boolean;
}

const STAMP =
  /^(?:\*\* [0-9]+ printk messages dropped \*\* )?(?:.{0,200}? login: )?(?:<[0-9]+>)?\[ *[0-9]+\.[0-9]+\](\[ *(?:C|T)[0-9]+\])? /;
const QUESTIONABLE = /(?:\[<[0-9a-f]+>\])? \? /;

export function consoleLine(raw: string): ConsoleLine {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const m = STAMP.exec(line.length > 4096 ? line.slice(0, 4096) : line);
  if (m === null) return { context: '', text: line, line, questionable: false };
  const context = m[1] ?? 'console';
  const text = line.slice(line.indexOf('] ') + 2);
  if (!text.includes('<EOI>')) {
    if (QUESTIONABLE.test(text))
      return { context, text: text.slice(text.indexOf(' ? ') + 2), line: text, questionable: true };
    if (text.endsWith(' (unreliable)'))
      return { context, text: text.slice(0, -13), line: text, questionable: true };
  }
  return { context, text, line: text, questionable: false };
}
