/**
 * Whatever arrives at the response endpoints, the answer is a result or a KakuninError with a code:
 * never another exception, never a hang. And the request state store uses each state once.
 */
import fc from 'fast-check';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { describe, expect, it } from 'vitest';
import { KakuninError } from '../../src/codes/error.js';
import { createEncryptionInfo } from '../../src/protocols/dcapi/encryption-info.js';
import { TrustStore } from '../../src/trust/index.js';
import { MemoryRequestStateStore } from '../../src/protocols/state/request-state-store.js';
import { openProtocolResponse, verifyProtocolResponse, type ProtocolResponseContext } from '../../src/protocols/verify-protocol-response.js';

const key = newKeyPair('P-256');
const inputs: ProtocolResponseContext[] = [
  { protocol: 'org-iso-mdoc', origin: 'https://a.example', encryptionInfo: createEncryptionInfo(new Uint8Array(16), key.publicKey).encoded, recipientPrivateKey: key.privateKey },
  { protocol: 'openid4vp-dcapi', origin: 'https://a.example', nonce: 'n', recipientPrivateKey: key.privateKey },
  { protocol: 'openid4vp-dcapi', origin: 'https://a.example', nonce: 'n' },
  { protocol: 'openid4vp', clientId: 'x509_hash:abc', responseUri: 'https://a.example/r', nonce: 'n', recipientPrivateKey: key.privateKey },
];

async function outcome(response: unknown, input: ProtocolResponseContext): Promise<string> {
  try {
    await openProtocolResponse(response, input);
    return 'opened';
  } catch (e) {
    if (e instanceof KakuninError) return e.code;
    throw e;
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const garbage = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 300 }).map(b64),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ protocol: 'org-iso-mdoc', data: { response: b64(b) } })),
  fc.tuple(fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ maxLength: 60 })).map(([a, b]) => `eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTEyOEdDTSJ9.${b64(a)}.${b64(b)}.${b64(a)}.${b64(b)}`),
  fc.jsonValue(),
  fc.dictionary(fc.string(), fc.jsonValue()).map((vp_token) => ({ vp_token })),
);

describe('bad input at the response endpoints', () => {
  it('gets a code, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(garbage, fc.constantFrom(...inputs), async (response, input) => {
        const code = await outcome(response, input);
        expect(typeof code).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('garbage DeviceResponses in a vp_token', () => {
  it('verify to an invalid result (or a coded error), never an exception', async () => {
    const trust = new TrustStore([]);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        try {
          const r = await verifyProtocolResponse({ vp_token: { a: [b64(bytes)] } }, inputs[2], { trust, at: new Date('2025-01-01T00:00:00Z') });
          expect(r.valid).toBe(false);
        } catch (e) {
          expect(e).toBeInstanceOf(KakuninError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('MemoryRequestStateStore', () => {
  it('consume gives a state to one answer (and its repeats); expiry follows the injected clock', async () => {
    let now = 1_000_000;
    const store = new MemoryRequestStateStore(() => now);
    await store.put('a', '{"x":1}', 10);
    await expect(store.put('a', '{}', 10)).rejects.toThrow();
    expect(await store.get('a')).toBe('{"x":1}');
    expect(await store.consume('a', 'answer')).toBe('{"x":1}');
    expect(await store.consume('a', 'another')).toBeUndefined();
    expect(await store.consume('a', 'answer')).toBe('{"x":1}');
    now += 10_000;
    expect(await store.consume('a', 'answer')).toBeUndefined();
    await store.put('b', '{}', 10);
    now += 10_000;
    expect(await store.get('b')).toBeUndefined();
    expect(store.size).toBe(0);
  });
});
