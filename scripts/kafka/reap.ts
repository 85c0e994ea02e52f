import { reapStaleBrokers } from './processes.js';
import { kafkaCacheRoot } from './resolve.js';

// `node --import tsx scripts/kafka/reap.ts [--fail-if-any]`: kills test brokers whose owning process
// is gone (see processes.ts). With --fail-if-any it exits 1 when it found one, which .ci/run uses to
// prove that no broker outlived the tests.
const killed = reapStaleBrokers(kafkaCacheRoot());
if (killed.length === 0) {
  console.log('no test broker left running');
} else {
  console.log(`killed test broker process group(s) left running: ${killed.join(', ')}`);
  if (process.argv.includes('--fail-if-any')) process.exitCode = 1;
}
