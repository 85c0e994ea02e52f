import { defineConfig } from 'vitest/config';

// Two projects: `unit` is hermetic and fast; `integration` talks to one real Kafka broker per run,
// started by the global setup (or KAFKA_BOOTSTRAP to use an existing one).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.integration.test.ts', '**/node_modules/**'],
          setupFiles: ['test/setup/kafkajs.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.integration.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/setup/kafkajs.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
