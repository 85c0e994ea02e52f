export { type HealthSource, type HttpServer, startHttpServer } from './http.js';
export { createLogger, type Level, LEVELS, type LogFields, type Logger } from './logger.js';
export {
  ARCH_LABELS,
  archLabel,
  BatchTally,
  type BatchSummary,
  createTelemetry,
  POISON_TO_CRASH_BUCKETS,
  type Telemetry,
  type TelemetryOptions,
} from './metrics.js';
