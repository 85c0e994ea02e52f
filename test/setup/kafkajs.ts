// Every test process reads transactional topics with kafkajs as poisonlink does: with its
// read_committed filter replaced before kafkajs loads (src/source/kafkajs-read-committed.ts).
import '../../src/source/kafkajs-read-committed.js';
