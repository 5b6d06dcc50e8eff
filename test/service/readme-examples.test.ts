/**
 * The README's API examples are what the service does: each block marked
 * `<!-- readme-example: NAME -->` is compared with a live answer of the demo (same keys, same
 * values but for ids, times, URLs and signatures).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from './helpers.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function example(name: string): string {
  const m = new RegExp(`<!-- readme-example: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!m) throw new Error(`README has no example "${name}"`);
  return m[1];
}

/** Values that differ per run: compared by kind only. */
const VARIABLE = new Set(['id', 'origin', 'expires_at', 'receipt', 'uri', 'svg_url', 'self', 'events', 'dcapi_request', 'dcapi_response', 'requests']);

function shape(value: unknown, key = ''): unknown {
  if (VARIABLE.has(key)) return typeof value;
  if (Array.isArray(value)) return value.map((v) => shape(v));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, shape(v, k)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return value;
}

let svc: StartedService;
beforeAll(async () => {
  svc = await startDemo(['--port', String(await freePort())], { env: { LOG_LEVEL: 'silent' }, quiet: true });
});
afterAll(async () => svc?.close());

describe('README examples', () => {
  it('create, answer with the sandbox wallet, read: the blocks match the live answers', async () => {
    const body = /-d '([^']+)'/.exec(example('create'))![1];
    const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, any>;
    expect(shape(created)).toEqual(shape(JSON.parse(example('created'))));

    const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: created.qr.uri }) });
    expect(scan.status).toBe(200);
    const result = await (await fetch(created.links.self)).json();
    expect(shape(result)).toEqual(shape(JSON.parse(example('result'))));
  });

  it('the sandbox wallet endpoints the demo page uses are documented in the README and the OpenAPI document', async () => {
    const openapi = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of ['/v1/sandbox/wallet/scan', '/v1/sandbox/wallet/dcapi']) {
      expect(Object.keys(openapi.paths)).toContain(path);
      expect(README).toContain(`POST ${path}`);
    }
  });
});
