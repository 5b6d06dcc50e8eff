/**
 * KAKUNIN_DEVICE_REQUEST_VERSION: the org-iso-mdoc request (Apple Wallet over the DC API) as
 * DeviceRequest 1.1, with DeviceRequestInfo saying any one of the purpose's documents will do and
 * readerAuth still per document; 1.0 by default. The sandbox wallet answers both.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCbor } from '../../src/cbor/index.js';
import { loadConfig } from '../../src/service/startup/load-config.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from './helpers.js';

const running: StartedService[] = [];
afterAll(async () => Promise.all(running.map((s) => s.close())));

async function appleRequest(env: Record<string, string>) {
  const svc = await startDemo(['--port', String(await freePort())], { env: { KAKUNIN_REVOCATION: 'off', ...env }, quiet: true, logger: createLogger('silent') });
  running.push(svc);
  const post = (path: string, body: unknown) => fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const v = (await (await post('/v1/verifications', { purpose: 'age_over' })).json()) as { id: string; origin: string };
  const { dcapi } = (await (await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-request`)).json()) as { dcapi: { digital: { requests: { protocol: string; data: { deviceRequest: string } }[] } } };
  const request = dcapi.digital.requests.find((r) => r.protocol === 'org-iso-mdoc')!;
  const deviceRequest = decodeCbor(Buffer.from(request.data.deviceRequest, 'base64url')) as Map<string, unknown>;
  const answer = await (await post('/v1/sandbox/wallet/dcapi', { argument: { digital: { requests: [request] } }, origin: v.origin })).json();
  const result = (await (await post(`/v1/verifications/${v.id}/dcapi-response`, answer)).json()) as { state: string };
  return { deviceRequest, state: result.state };
}

describe('the org-iso-mdoc DeviceRequest version', () => {
  it('is 1.0 by default, without DeviceRequestInfo', async () => {
    expect(loadConfig([], {}, { sandbox: true }).deviceRequestVersion).toBe('1.0');
    const { deviceRequest, state } = await appleRequest({});
    expect([deviceRequest.get('version'), deviceRequest.has('deviceRequestInfo'), state]).toEqual(['1.0', false, 'verified']);
  });

  it('1.1: DeviceRequestInfo with one use case, any one document; readerAuth per document; the answer verifies', async () => {
    const { deviceRequest, state } = await appleRequest({ KAKUNIN_DEVICE_REQUEST_VERSION: '1.1' });
    expect(deviceRequest.get('version')).toBe('1.1');
    expect(deviceRequest.has('readerAuthAll')).toBe(false);
    const docRequests = deviceRequest.get('docRequests') as Map<string, unknown>[];
    expect(docRequests).toHaveLength(2);
    for (const d of docRequests) expect(d.has('readerAuth')).toBe(true);
    const info = decodeCbor((deviceRequest.get('deviceRequestInfo') as { bytes: Uint8Array }).bytes) as Map<string, unknown>;
    expect(info.get('useCases')).toEqual([
      new Map<string, unknown>([
        ['mandatory', true],
        ['documentSets', [[0], [1]]],
      ]),
    ]);
    expect(state).toBe('verified');
  });

  it('refuses another version', () => {
    expect(() => loadConfig([], { KAKUNIN_DEVICE_REQUEST_VERSION: '2.0' }, { sandbox: true })).toThrow(/KAKUNIN_DEVICE_REQUEST_VERSION/);
  });
});
