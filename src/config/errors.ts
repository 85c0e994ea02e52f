/**
 * The one operational error class (STYLE.md "Errors"): a closed list of codes, a `retriable` flag
 * and a `cause`. Bad input records are not errors of this kind: they go to the dead-letter topic.
 */
export const ERROR_CODES = [
  /** the configuration failed validation; the message lists every problem with its path */
  'CONFIG_INVALID',
  /** a file named by the configuration could not be read (password, TLS, known issues) */
  'CONFIG_FILE_UNREADABLE',
  /** the broker refused the credentials (SASL) */
  'KAFKA_AUTH_FAILED',
  /** the brokers could not be reached, or the connection broke */
  'KAFKA_CONNECTION_FAILED',
  /** a topic that must exist does not */
  'KAFKA_TOPIC_MISSING',
  /** a topic exists with the wrong shape (partition count not matching the input) */
  'KAFKA_TOPIC_MISMATCH',
  /** another instance took over this transactional id; this one must let the partition go */
  'KAFKA_PRODUCER_FENCED',
  /** a transaction could not be committed */
  'KAFKA_TRANSACTION_FAILED',
  /** any other request the broker refused or failed */
  'KAFKA_REQUEST_FAILED',
  /** per-host state could not be restored from the changelog */
  'STATE_RESTORE_FAILED',
  /** shutdown did not finish within shutdown.timeoutMs */
  'SHUTDOWN_TIMEOUT',
  /** a bug: an invariant did not hold */
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class PoisonlinkError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PoisonlinkError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

export function isPoisonlinkError(e: unknown): e is PoisonlinkError {
  return e instanceof PoisonlinkError;
}

/** A message for any thrown value, with its cause chain, for logs. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(
        cur instanceof PoisonlinkError ? `${cur.code}: ${cur.message}` : `${cur.name}: ${cur.message}`,
      );
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(' <- ');
}
