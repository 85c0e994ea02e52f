import { startBroker } from './broker.js';

// `node --import tsx scripts/kafka/start.ts`: runs a test broker until Ctrl-C, for trying the
// pipeline by hand (KAFKA_VERSION selects the release).
const broker = await startBroker({ log: (line) => console.error(line) });
console.log(`Apache Kafka ${broker.version}`);
console.log(`KAFKA_BOOTSTRAP=${broker.bootstrap}`);
console.log(`KAFKA_SASL_BOOTSTRAP=${broker.saslBootstrap}`);
console.log(`KAFKA_SSL_BOOTSTRAP=${broker.sslBootstrap}`);
console.log(`KAFKA_SSL_CA_FILE=${broker.sslCaFile}`);
console.log(`KAFKA_MTLS_BOOTSTRAP=${broker.mtls.bootstrap}`);
console.log(`KAFKA_MTLS_CERT_FILE=${broker.mtls.certFile}`);
console.log(`KAFKA_MTLS_KEY_FILE=${broker.mtls.keyFile}`);
for (const u of broker.scram) console.log(`SCRAM user ${u.username} / ${u.password} (${u.mechanism})`);
console.log('Ctrl-C stops the broker.');
const keepAlive = setInterval(() => undefined, 60_000);
const stop = (): void => {
  clearInterval(keepAlive);
  void broker.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
