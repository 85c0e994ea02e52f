/**
 * Generates the JSON schemas kubeconform validates against, offline.
 *
 * kubeconform normally downloads "standalone-strict" schemas that openapi2jsonschema produced from
 * the Kubernetes OpenAPI spec. Those downloads are not reachable here, so this script makes the same
 * kind of schema from the spec itself (api/openapi-spec/swagger.json of the k8s.io/kubernetes Go
 * module) and from CustomResourceDefinition files (prometheus-operator's ServiceMonitor and
 * PrometheusRule).
 *
 * Layout (use with `kubeconform -schema-location '<out>/{{ .ResourceKind }}{{ .KindSuffix }}.json'`):
 *   <kind lower-case>-<first label of group>-<version>.json   e.g. deployment-apps-v1.json
 *   <kind lower-case>-<version>.json                          core group, e.g. service-v1.json
 *
 * Every schema is strict: objects that list their properties reject unknown ones, as kubeconform's
 * `-strict` schemas do, so a misspelled key in a template fails validation.
 *
 * Usage: node --import tsx scripts/ops/kube-schemas.ts --swagger FILE [--crd FILE]... --out DIR
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DEF_PREFIX = '#/definitions/';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** kubeconform's file name for a kind: see schemaPath() in kubeconform's pkg/registry. */
export function schemaFileName(kind: string, group: string, version: string): string {
  const suffix = group === '' ? `-${version}` : `-${group.split('.')[0]}-${version}`;
  return `${kind}${suffix}.json`.toLowerCase();
}

/**
 * Converts one OpenAPI (v2 definition or v3 CRD) schema node into a draft-4 JSON schema node:
 * int-or-string becomes a oneOf, descriptions and formats are dropped, scalar types accept null
 * (the API server treats null as absent), and objects with listed properties become strict.
 */
export function convertNode(node: Json, refs: Set<string>): Json {
  if (Array.isArray(node)) return node.map((item) => convertNode(item, refs));
  if (!isObject(node)) return node;
  if (node['x-kubernetes-int-or-string'] === true) {
    return { oneOf: [{ type: ['string', 'null'] }, { type: 'integer' }] };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key === 'format' || key.startsWith('x-kubernetes-')) continue;
    if (key === '$ref' && typeof value === 'string') {
      if (value.startsWith(DEF_PREFIX)) refs.add(value.slice(DEF_PREFIX.length));
      out[key] = value;
    } else if (key === 'properties' && isObject(value)) {
      const props: JsonObject = {};
      for (const [name, schema] of Object.entries(value)) props[name] = convertNode(schema, refs);
      out[key] = props;
    } else if (key === 'type' && typeof value === 'string') {
      out[key] = value === 'object' ? value : [value, 'null'];
    } else {
      out[key] = convertNode(value, refs);
    }
  }
  if ('$ref' in out) return { $ref: out['$ref'] ?? null };
  const preserveUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(out['properties']) && !('additionalProperties' in out) && !preserveUnknown) {
    out['additionalProperties'] = false;
  }
  return out;
}

function specialDefinition(name: string): JsonObject | undefined {
  if (name === INT_OR_STRING) return { oneOf: [{ type: ['string', 'null'] }, { type: 'integer' }] };
  if (name === QUANTITY) return { oneOf: [{ type: ['string', 'null'] }, { type: 'number' }] };
  return undefined;
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

function gvks(definition: JsonObject): Gvk[] {
  const list = definition['x-kubernetes-group-version-kind'];
  if (!Array.isArray(list)) return [];
  const out: Gvk[] = [];
  for (const item of list) {
    if (!isObject(item)) continue;
    const { group, version, kind } = item;
    if (typeof group === 'string' && typeof version === 'string' && typeof kind === 'string') {
      out.push({ group, version, kind });
    }
  }
  return out;
}

/** One standalone schema per kind: the kind's definition plus every definition it reaches. */
export function schemasFromSwagger(swagger: JsonObject): Map<string, JsonObject> {
  const definitions = swagger['definitions'];
  if (!isObject(definitions)) throw new Error('swagger file has no "definitions" object');
  const converted = new Map<string, { schema: Json; refs: Set<string> }>();
  const convert = (name: string) => {
    let entry = converted.get(name);
    if (!entry) {
      const refs = new Set<string>();
      const raw = definitions[name];
      if (raw === undefined) throw new Error(`swagger definition ${name} is referenced but missing`);
      entry = { schema: specialDefinition(name) ?? convertNode(raw, refs), refs };
      converted.set(name, entry);
    }
    return entry;
  };
  const out = new Map<string, JsonObject>();
  for (const [name, definition] of Object.entries(definitions)) {
    if (!isObject(definition)) continue;
    for (const gvk of gvks(definition)) {
      const root = convert(name);
      const closure: JsonObject = {};
      const pending = [...root.refs];
      while (pending.length > 0) {
        const ref = pending.pop()!;
        if (ref in closure) continue;
        const entry = convert(ref);
        closure[ref] = entry.schema;
        pending.push(...entry.refs);
      }
      const file = schemaFileName(gvk.kind, gvk.group, gvk.version);
      // Kinds such as DeleteOptions are listed under every group; the first definition wins.
      if (out.has(file)) continue;
      const schema = root.schema;
      if (!isObject(schema)) continue;
      out.set(file, { ...schema, definitions: closure });
    }
  }
  return out;
}

/** One schema per served version of a CustomResourceDefinition. */
export function schemasFromCrd(crd: JsonObject): Map<string, JsonObject> {
  const spec = crd['spec'];
  if (!isObject(spec)) throw new Error('CRD has no spec');
  const names = spec['names'];
  const group = spec['group'];
  const versions = spec['versions'];
  if (!isObject(names) || typeof names['kind'] !== 'string' || typeof group !== 'string') {
    throw new Error('CRD has no spec.names.kind or spec.group');
  }
  if (!Array.isArray(versions)) throw new Error(`CRD ${names['kind']} has no spec.versions`);
  const out = new Map<string, JsonObject>();
  for (const version of versions) {
    if (!isObject(version) || typeof version['name'] !== 'string') continue;
    const schemaHolder = version['schema'];
    const openApi = isObject(schemaHolder) ? schemaHolder['openAPIV3Schema'] : undefined;
    if (!isObject(openApi)) continue;
    const converted = convertNode(openApi, new Set());
    if (!isObject(converted)) continue;
    out.set(schemaFileName(names['kind'], group, version['name']), converted);
  }
  return out;
}

function parseArgs(argv: string[]): { swagger: string; crds: string[]; out: string } {
  let swagger = '';
  let out = '';
  const crds: string[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--swagger') swagger = value;
    else if (flag === '--crd') crds.push(value);
    else if (flag === '--out') out = value;
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!swagger || !out) throw new Error('usage: kube-schemas.ts --swagger FILE [--crd FILE]... --out DIR');
  return { swagger, crds, out };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const swagger = JSON.parse(readFileSync(args.swagger, 'utf8')) as Json;
  if (!isObject(swagger)) throw new Error(`${args.swagger} is not a JSON object`);
  const schemas = schemasFromSwagger(swagger);
  for (const file of args.crds) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJSON() as Json;
      if (isObject(crd) && crd['kind'] === 'CustomResourceDefinition') {
        for (const [name, schema] of schemasFromCrd(crd)) schemas.set(name, schema);
      }
    }
  }
  mkdirSync(args.out, { recursive: true });
  for (const [name, schema] of schemas) writeFileSync(path.join(args.out, name), JSON.stringify(schema));
  console.log(`[kube-schemas] wrote ${schemas.size} schemas to ${args.out}`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main();
}
