/**
 * `poisonlink replay`: backfill from a topic between two timestamps, or from files (DESIGN.md §5).
 * The work is in src/replay; this is the entry the command table loads. The first SIGINT/SIGTERM
 * stops the replay cleanly (outputs written, summary printed, exit 130); a second one exits at once.
 */
import { processIo, replay } from '../replay/run.js';

export async function replayCommand(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\npoisonlink replay: stopping (again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await replay(argv, { ...processIo(), signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
