/**
 * The OpenAPI 3.1 document, generated from the operation table and the schemas: nothing in it is
 * written twice. The service serves it at /openapi.json and `npm run openapi` writes it to
 * docs/openapi.json (a test holds the two equal, and `redocly lint` checks it in `npm test`).
 */
import type { TSchema } from '@sinclair/typebox';
import { httpStatusOf } from '../../codes/http-status.js';
import type { KakuninCode } from '../../codes/error-codes.js';
import { OPERATIONS, type Operation } from './operations.js';
import { COMPONENTS, WebhookBody } from './schemas.js';

type Json = Record<string, unknown>;

/** What each error status means, before the list of codes it may carry. */
const STATUS_TEXT: Record<number, string> = {
  400: 'The request (or the wallet answer it carries) is not acceptable; an answer that does not open changes nothing',
  401: 'API key missing or invalid',
  404: 'Unknown id or handle',
  409: 'Already answered: the first answer stands (NONCE_REPLAYED: the single-use request state was already used, on this or another instance)',
  410: 'Expired',
  413: 'Body too large',
  415: 'Unsupported content encoding',
  429: 'Too many requests: see Retry-After',
  500: 'Our fault: nothing to change in the request',
  502: 'An upstream answer failed',
  503: 'Passing unavailability: retry after Retry-After',
  504: 'An upstream did not answer in time',
};

/** Codes every operation with a body may answer, from the body parser and the schema check. */
function bodyErrors(op: Operation): KakuninCode[] {
  if (!op.body) return [];
  return ['INVALID_REQUEST', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_ENCODING', ...(op.body.type === 'application/json' ? (['INVALID_JSON'] as const) : [])];
}

/** Components by their JSON text: TypeBox's Optional() copies a schema, so identity would miss them. */
const COMPONENT_NAMES = new Map<string, string>(Object.entries(COMPONENTS).map(([n, s]) => [JSON.stringify(s), n]));

/** A schema as JSON, with the named components in it replaced by references to them (the root
 * itself too, unless it is the component being written out). */
function toJson(schema: TSchema, asComponent = false): unknown {
  const walk = (node: unknown, root: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (!node || typeof node !== 'object') return node;
    const name = root ? undefined : COMPONENT_NAMES.get(JSON.stringify(node));
    if (name) return { $ref: `#/components/schemas/${name}` };
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, false)]));
  };
  return walk(schema, asComponent);
}

function content(type: string, schema: TSchema | undefined): Json {
  return { [type]: { schema: schema ? toJson(schema) : { type: 'string' } } };
}

function errorResponses(op: Operation): Json {
  const byStatus = new Map<number, Set<KakuninCode>>();
  for (const code of [...op.errors, ...bodyErrors(op)]) {
    const status = httpStatusOf(code);
    byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
  }
  const out: Json = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const list = [...codes].sort();
    out[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}: ${list.join(', ')}`,
      ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } } : {}),
      content: { 'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { enum: list } } }] }, example: { error: list[0], message: '…' } } },
    };
  }
  return out;
}

function operationObject(operationId: string, op: Operation): Json {
  const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ $ref: `#/components/parameters/${m[1]}` }));
  return {
    tags: [op.tag],
    operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(params.length ? { parameters: params } : {}),
    security: op.apiKey ? [{ bearer: [] }, { apiKey: [] }] : [],
    ...(op.body ? { requestBody: { required: op.body.required, content: content(op.body.type, op.body.schema) } } : {}),
    responses: {
      [String(op.ok.status)]: { description: op.ok.description, content: content(op.ok.type, op.ok.schema) },
      ...Object.fromEntries(Object.entries(op.otherAnswers ?? {}).map(([status, a]) => [status, { description: a.description, content: content('application/json', a.schema) }])),
      ...errorResponses(op),
    },
  };
}

const capability = { type: 'string', pattern: '^[A-Za-z0-9_-]{22,64}$' };

/** The document. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const [id, op] of Object.entries(OPERATIONS) as [string, Operation][]) {
    paths[op.path] = { ...paths[op.path], [op.method]: operationObject(id, op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'kakunin verifier API',
      version: '1.0.0',
      description:
        "Verifies ISO/IEC 18013-5 mdoc credentials (My Number Card, mDL) from Apple Wallet, Google Wallet and OpenID4VP wallets, and reports the minimal decision a purpose needs. A verification is created by the merchant's backend (API key), answered by a wallet (OpenID4VP by QR/redirect, or the W3C Digital Credentials API through the page), and read by its id. The id is an unguessable capability: whoever holds it may read the minimal result; the QR code carries a different name for the session so that onlookers cannot.",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'This service (PUBLIC_URL)' }],
    tags: [
      { name: 'verifications', description: "Created by the merchant's backend, read by its pages." },
      { name: 'wallet', description: 'Endpoints wallets call (OpenID4VP 1.0).' },
      { name: 'operations', description: 'Health, readiness, metrics, keys and this document.' },
      { name: 'sandbox', description: "The demo's sandbox wallet (kakunin demo only)." },
    ],
    paths,
    webhooks: {
      verificationFinished: {
        post: {
          operationId: 'verificationFinished',
          summary: 'A verification ended as verified, failed or declined (expired sends nothing)',
          description:
            'Sent to options.webhook_url (or KAKUNIN_WEBHOOK_URL). At least once: retried on network errors, timeouts (5 s), 429 and 5xx with doubling delays and jitter; another 4xx is final. The same event may arrive more than once, always with the same event_id (also in the webhook-id header): de-duplicate on it. Verify the receipt against /.well-known/jwks.json before trusting the body.',
          parameters: [{ name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' }, description: 'The event id, as in the body' }],
          security: [],
          requestBody: { required: true, content: content('application/json', WebhookBody) },
          responses: {
            '2XX': { description: 'Acknowledged: not sent again' },
            '4XX': { description: 'Final: not retried (429 is retried later)' },
            '5XX': { description: 'Retried later' },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key of KAKUNIN_API_KEYS' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same key, in a header of its own' },
      },
      parameters: {
        id: { name: 'id', in: 'path', required: true, description: 'The verification id', schema: capability },
        handle: { name: 'handle', in: 'path', required: true, description: "The request handle (the QR code's name for the verification)", schema: capability },
      },
      schemas: Object.fromEntries(Object.entries(COMPONENTS).map(([name, schema]) => [name, toJson(schema, true)])),
    },
  };
}
