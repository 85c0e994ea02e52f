import { checkJava } from './java.js';
import { reapStaleBrokers } from './processes.js';
import { ensureKafkaJars, jarCount, kafkaCacheRoot, selectedKafkaVersion } from './resolve.js';

// `node --import tsx scripts/kafka/prepare.ts`: everything the test broker needs before the tests
// start (used by .ci/run): a Java 17+ runtime, no broker left from an interrupted run, and the jars
// of the selected Kafka version in .cache/kafka/<version>/libs.
try {
  const java = checkJava();
  console.log(`java: ${java.versionLine} (${java.bin})`);
  const killed = reapStaleBrokers(kafkaCacheRoot());
  if (killed.length > 0) console.log(`killed stale test broker process group(s): ${killed.join(', ')}`);
  const version = selectedKafkaVersion();
  const started = Date.now();
  const jars = ensureKafkaJars(version);
  const how = jars.downloaded ? `resolved with Maven in ${Date.now() - started} ms` : 'already cached';
  console.log(`Kafka ${version}: ${jarCount(jars.libsDir)} jars in ${jars.libsDir} (${how})`);
} catch (err: unknown) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
