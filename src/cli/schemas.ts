import { parseArgs } from 'node:util';
import { type RegistryClient, createConfluentRegistryClient } from '../decode/registry.js';
import { SCHEMA_NAMES, SCHEMA_TEXT, type SchemaName } from '../decode/schemas.js';

/** Default topic of each record; its registry subject is `<topic>-value` (TopicNameStrategy). */
export const DEFAULT_SCHEMA_TOPICS: Readonly<Record<SchemaName, string>> = {
  'kernel-log-event': 'kernel-log-events',
  'triaged-crash': 'poisonlink.verdicts',
  'host-hardware-event': 'poisonlink.host-events',
};

const USAGE = `usage: poisonlink schemas [options]

Prints the Avro schemas of the records poisonlink reads and writes, or registers them.

options:
  --name NAME               print only this schema's JSON (${SCHEMA_NAMES.join(', ')})
  --register URL            register every schema with a Confluent-compatible registry
                            (e.g. http://localhost:8081 or http://host:8080/apis/ccompat/v7)
  --input-topic TOPIC       topic of KernelLogEvent (default ${DEFAULT_SCHEMA_TOPICS['kernel-log-event']})
  --verdicts-topic TOPIC    topic of TriagedCrash (default ${DEFAULT_SCHEMA_TOPICS['triaged-crash']})
  --host-events-topic TOPIC topic of HostHardwareEvent (default ${DEFAULT_SCHEMA_TOPICS['host-hardware-event']})
  --username USER           registry basic-auth user; the password comes from POISONLINK_REGISTRY_PASSWORD
  -h, --help
`;

export interface SchemasCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** builds the registry client (tests pass another RegistryClient) */
  registry(url: string, auth: { username: string; password: string } | undefined): RegistryClient;
}

const defaultIo: SchemasCommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  registry: (url, auth) => createConfluentRegistryClient(auth === undefined ? { url } : { url, auth }),
};

function isSchemaName(s: string): s is SchemaName {
  return (SCHEMA_NAMES as readonly string[]).includes(s);
}

/** `poisonlink schemas`: exit 0 on success, 1 when registering fails, 2 on a usage error. */
export async function schemasCommand(argv: string[], io: SchemasCommandIo = defaultIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        register: { type: 'string' },
        'input-topic': { type: 'string' },
        'verdicts-topic': { type: 'string' },
        'host-events-topic': { type: 'string' },
        username: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err: unknown) {
    io.stderr(`poisonlink schemas: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values['help'] === true) {
    io.stdout(USAGE);
    return 0;
  }
  const topics: Record<SchemaName, string> = {
    'kernel-log-event':
      (values['input-topic'] as string | undefined) ?? DEFAULT_SCHEMA_TOPICS['kernel-log-event'],
    'triaged-crash':
      (values['verdicts-topic'] as string | undefined) ?? DEFAULT_SCHEMA_TOPICS['triaged-crash'],
    'host-hardware-event':
      (values['host-events-topic'] as string | undefined) ?? DEFAULT_SCHEMA_TOPICS['host-hardware-event'],
  };
  for (const [name, topic] of Object.entries(topics)) {
    if (topic === '') {
      io.stderr(`poisonlink schemas: the topic of ${name} must not be empty\n`);
      return 2;
    }
  }
  const only = values['name'] as string | undefined;
  if (only !== undefined && !isSchemaName(only)) {
    io.stderr(`poisonlink schemas: --name expects one of ${SCHEMA_NAMES.join(', ')}, found '${only}'\n`);
    return 2;
  }
  const names = only === undefined ? [...SCHEMA_NAMES] : [only];
  const url = values['register'] as string | undefined;

  if (url === undefined) {
    if (only !== undefined) {
      io.stdout(SCHEMA_TEXT[only].endsWith('\n') ? SCHEMA_TEXT[only] : `${SCHEMA_TEXT[only]}\n`);
      return 0;
    }
    for (const name of names) {
      io.stdout(`# schemas/${name}.avsc (subject ${topics[name]}-value)\n${SCHEMA_TEXT[name].trimEnd()}\n\n`);
    }
    return 0;
  }

  if (!/^https?:\/\/\S+$/.test(url)) {
    io.stderr(`poisonlink schemas: --register expects an http(s) URL, found '${url}'\n`);
    return 2;
  }
  const username = values['username'] as string | undefined;
  const password = io.env['POISONLINK_REGISTRY_PASSWORD'];
  if (username !== undefined && (password === undefined || password === '')) {
    io.stderr('poisonlink schemas: --username needs the password in POISONLINK_REGISTRY_PASSWORD\n');
    return 2;
  }
  const registry = io.registry(
    url,
    username === undefined ? undefined : { username, password: password as string },
  );
  let failed = 0;
  for (const name of names) {
    const subject = `${topics[name]}-value`;
    try {
      const id = await registry.register(subject, SCHEMA_TEXT[name]);
      io.stdout(`registered ${name} as ${subject}: schema id ${id}\n`);
    } catch (err: unknown) {
      failed++;
      io.stderr(
        `could not register ${name} as ${subject} at ${url}: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}
