export { describeError, ERROR_CODES, type ErrorCode, isPoisonlinkError, PoisonlinkError } from './errors.js';
export { type ConfigProblem, configError, loadConfig, parseConfigArgs, resolveConfig } from './load.js';
export { defaultsYaml, REDACTED, redactConfig } from './print.js';
export { type Config, envName, type KeySpec, SCHEMA } from './schema.js';
