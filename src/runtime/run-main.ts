/**
 * Process entry for `poisonlink run` without the CLI table (used by the integration tests as a
 * child process: `node --import tsx src/runtime/run-main.ts [flags]`). Exits explicitly because
 * kafkajs can leave timers behind after disconnect.
 */
import '../source/kafkajs-read-committed.js';
import { runCommand } from '../cli/run.js';

const code = await runCommand(process.argv.slice(2));
process.exit(code);
