/**
 * `poisonlink replay`: backfill from a topic between two timestamps, or from files (DESIGN.md §5).
 * The work is in src/replay; this is the entry the command table loads.
 */
import { processIo, replay } from '../replay/run.js';

export async function replayCommand(argv: string[]): Promise<number> {
  return replay(argv, processIo());
}
