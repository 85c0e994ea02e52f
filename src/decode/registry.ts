import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/**
 * What the codecs need from a schema registry. Fetches are cached by the codecs (once per schema
 * id), so implementations may be plain.
 */
export interface RegistryClient {
  /**
   * The writer schema (Avro JSON) registered under `id`. Resolves `null` when the registry
   * answers that it has no such id; rejects when the registry cannot be reached or fails.
   */
  fetchSchema(id: number): Promise<object | null>;
  /** Registers `schema` (Avro JSON text) under `subject`; resolves the id. */
  register(subject: string, schema: string): Promise<number>;
}

export interface ConfluentRegistryOptions {
  /** base URL of a Confluent-compatible API, e.g. `http://localhost:8080/apis/ccompat/v7` */
  url: string;
  auth?: { username: string; password: string };
  /** retries of one request on 5xx / network errors (default 3, as the client library) */
  retries?: number;
}

function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const status = (err as { status: unknown }).status;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/**
 * A RegistryClient over @kafkajs/confluent-schema-registry (which caches schemas by id and
 * collapses concurrent fetches of one id into one request).
 */
export function createConfluentRegistryClient(options: ConfluentRegistryOptions): RegistryClient {
  const sr = new SchemaRegistry({
    host: options.url,
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    retry: { retries: options.retries ?? 3, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 2 },
  });
  return {
    async fetchSchema(id) {
      try {
        const schema = await sr.getSchema(id);
        // The library hands back an avsc Type built with its own options; the codecs rebuild it
        // from its JSON with this project's options.
        const json: unknown = (schema as unknown as { schema(): unknown }).schema();
        return typeof json === 'object' && json !== null ? json : { type: json };
      } catch (err: unknown) {
        if (statusOf(err) === 404) return null;
        throw err;
      }
    },
    async register(subject, schema) {
      const { id } = await sr.register({ type: 'AVRO' as never, schema }, { subject });
      return id;
    },
  };
}

/**
 * A RegistryClient over a fixed map of ids to schemas, for runs without a registry server (tests,
 * `triage` of framed dumps). `register` assigns the next free id, or the existing one for an
 * identical schema.
 */
export function createStaticRegistryClient(schemas: ReadonlyMap<number, object | string>): RegistryClient {
  const byId = new Map<number, object>();
  for (const [id, schema] of schemas)
    byId.set(id, typeof schema === 'string' ? (JSON.parse(schema) as object) : schema);
  return {
    async fetchSchema(id) {
      return byId.get(id) ?? null;
    },
    async register(_subject, schema) {
      const json = JSON.parse(schema) as object;
      const text = JSON.stringify(json);
      for (const [id, existing] of byId) if (JSON.stringify(existing) === text) return id;
      const id = Math.max(0, ...byId.keys()) + 1;
      byId.set(id, json);
      return id;
    },
  };
}
