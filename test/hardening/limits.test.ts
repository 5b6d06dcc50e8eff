/**
 * Every explicit maximum, tested at the limit (accepted) and one past it (refused with a code):
 * body size, CBOR input length / depth / item count, documents per response, elements per
 * namespace, certificate chain length, protocol response size.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { decodeCbor, DEFAULT_LIMITS } from '../../src/cbor/decode.js';
import { MAX_DOCUMENTS, MAX_ELEMENTS_PER_NAMESPACE, parseDeviceResponse } from '../../src/mdoc/device-response.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { checkResponseSize, DEFAULT_MAX_RESPONSE_BYTES } from '../../src/protocols/verify-protocol-response.js';
import { createDeviceResponse, createDocumentSigner, createIaca, createIntermediateCa, issueMdoc, MNC_DOCTYPE, buildX5chain } from '../../src/sandbox/index.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { MAX_CHAIN_LENGTH } from '../../src/trust/chain.js';
import { TrustStore } from '../../src/trust/store.js';
import { AT, hardeningWorld, IACA_VALIDITY, MSO_VALIDITY, transcriptFor, type HardeningWorld } from './fixtures.js';
import { freePort } from '../service/helpers.js';

let w: HardeningWorld;
beforeAll(async () => {
  w = await hardeningWorld();
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? 'NO_CODE';
  }
};

describe('CBOR decoder limits', () => {
  const nested = (depth: number) => {
    const b = new Uint8Array(depth + 1).fill(0x81);
    b[depth] = 0x00;
    return b;
  };
  /** An array of n integers 0: n + 1 data items. */
  const array = (n: number) => {
    const b = new Uint8Array(5 + n);
    b[0] = 0x9a;
    new DataView(b.buffer).setUint32(1, n);
    return b;
  };
  /** A byte string filling exactly `total` bytes of input. */
  const bstr = (total: number) => {
    const b = new Uint8Array(total);
    b[0] = 0x5a;
    new DataView(b.buffer).setUint32(1, total - 5);
    return b;
  };

  it(`depth: ${DEFAULT_LIMITS.maxDepth} accepted, ${DEFAULT_LIMITS.maxDepth + 1} refused`, () => {
    expect(codeOf(() => decodeCbor(nested(DEFAULT_LIMITS.maxDepth)))).toBeUndefined();
    expect(codeOf(() => decodeCbor(nested(DEFAULT_LIMITS.maxDepth + 1)))).toBe('CBOR_MALFORMED');
  });

  it(`items: ${DEFAULT_LIMITS.maxItems} accepted, ${DEFAULT_LIMITS.maxItems + 1} refused`, () => {
    expect(codeOf(() => decodeCbor(array(DEFAULT_LIMITS.maxItems - 1)))).toBeUndefined();
    expect(codeOf(() => decodeCbor(array(DEFAULT_LIMITS.maxItems)))).toBe('CBOR_MALFORMED');
  });

  it(`length: ${DEFAULT_LIMITS.maxBytes} bytes accepted, one more refused`, () => {
    expect(codeOf(() => decodeCbor(bstr(DEFAULT_LIMITS.maxBytes)))).toBeUndefined();
    expect(codeOf(() => decodeCbor(bstr(DEFAULT_LIMITS.maxBytes + 1)))).toBe('CBOR_MALFORMED');
  });

  it('a declared length past the input is refused without allocating it', () => {
    // bstr head claiming 4 GiB - 1 with 3 bytes behind it.
    expect(codeOf(() => decodeCbor(Uint8Array.of(0x5a, 0xff, 0xff, 0xff, 0xff, 1, 2, 3)))).toBe('CBOR_MALFORMED');
    expect(codeOf(() => decodeCbor(Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)))).toBe('CBOR_MALFORMED');
  });
});

describe('DeviceResponse limits', () => {
  const transcript = transcriptFor('limits');
  const respond = (count: number) =>
    createDeviceResponse({
      sessionTranscript: transcript,
      documents: Array.from({ length: count }, () => ({ mdoc: w.mnc, disclose: { 'org.iso.23220.1': ['age_over_20'] }, deviceAuth: { kind: 'signature' as const } })),
    });

  it(`documents: ${MAX_DOCUMENTS} verified, ${MAX_DOCUMENTS + 1} refused as CBOR_MALFORMED`, () => {
    const at = verifyDeviceResponse(respond(MAX_DOCUMENTS), { trust: w.trust, at: AT, sessionTranscript: transcript });
    expect(at.errors).toEqual([]);
    expect(at.documents).toHaveLength(MAX_DOCUMENTS);
    const past = verifyDeviceResponse(respond(MAX_DOCUMENTS + 1), { trust: w.trust, at: AT, sessionTranscript: transcript });
    expect(past.valid).toBe(false);
    expect(past.errors.map((e) => e.code)).toEqual(['CBOR_MALFORMED']);
  });

  it(`elements per namespace: ${MAX_ELEMENTS_PER_NAMESPACE} verified, ${MAX_ELEMENTS_PER_NAMESPACE + 1} refused as CBOR_MALFORMED`, async () => {
    const issue = (n: number) => {
      const elements: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) elements[`e${i}`] = i;
      return issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: { 'org.example.bulk': elements }, signer: w.ds, validity: MSO_VALIDITY });
    };
    for (const [n, ok] of [
      [MAX_ELEMENTS_PER_NAMESPACE, true],
      [MAX_ELEMENTS_PER_NAMESPACE + 1, false],
    ] as const) {
      const mdoc = await issue(n);
      const bytes = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
      const r = verifyDeviceResponse(bytes, { trust: w.trust, at: AT, sessionTranscript: transcript });
      if (ok) {
        expect(r.errors).toEqual([]);
        expect(Object.keys(r.documents[0].elements.issuerSigned['org.example.bulk'])).toHaveLength(n);
      } else {
        expect(r.errors.map((e) => e.code)).toEqual(['CBOR_MALFORMED']);
        expect(() => parseDeviceResponse(bytes)).toThrow(/more than 1024/);
      }
    }
  });

  it(`x5chain: ${MAX_CHAIN_LENGTH} certificates verified, ${MAX_CHAIN_LENGTH + 1} refused as ISSUER_CERT_UNTRUSTED`, async () => {
    const root = await createIaca({ ...IACA_VALIDITY, pathLength: 1, commonName: 'limits IACA' });
    const mid = await createIntermediateCa(root);
    const ds = await createDocumentSigner(mid, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    const trust = TrustStore.fromCertificates([root.der], { set: 'limits', test: true });
    // Issuers may send more than the path (the IACA itself, other certificates): padding with
    // unrelated certificates reaches the length limit without changing the path.
    const padding = [w.iaca.der, w.ds.der, w.iaca.der, w.ds.der];
    const base = buildX5chain(ds, mid); // [DS, intermediate]
    expect(base.length).toBe(2);
    for (const [length, ok] of [
      [MAX_CHAIN_LENGTH, true],
      [MAX_CHAIN_LENGTH + 1, false],
    ] as const) {
      const chain = [...base, ...padding].slice(0, length);
      // buildX5chain gave [DS, intermediate]; issueMdoc puts `signer` first and `chain` after it.
      const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: { 'org.iso.23220.1': { age_over_20: true } }, signer: ds, chain: chain.slice(1), validity: MSO_VALIDITY });
      const bytes = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
      const r = verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript: transcript });
      if (ok) expect(r.errors).toEqual([]);
      else {
        // The chain check fails; checks that need the DS key report not_run with their own codes.
        expect(r.valid).toBe(false);
        expect(r.errors[0].code).toBe('ISSUER_CERT_UNTRUSTED');
        expect(r.errors[0].message).toContain(`more than ${MAX_CHAIN_LENGTH}`);
      }
    }
  });

  it(`protocol responses: ${DEFAULT_MAX_RESPONSE_BYTES} bytes accepted, one more refused as RESPONSE_TOO_LARGE`, () => {
    expect(codeOf(() => checkResponseSize(new Uint8Array(DEFAULT_MAX_RESPONSE_BYTES)))).toBeUndefined();
    expect(codeOf(() => checkResponseSize(new Uint8Array(DEFAULT_MAX_RESPONSE_BYTES + 1)))).toBe('RESPONSE_TOO_LARGE');
  });
});

describe('HTTP body limits', () => {
  let svc: StartedService;
  beforeAll(async () => {
    svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent') });
  });
  afterAll(async () => svc?.close());

  /** A JSON body of exactly `size` bytes. */
  const jsonOf = (size: number, key = 'purpose') => {
    const shell = JSON.stringify({ [key]: '' });
    return JSON.stringify({ [key]: 'x'.repeat(size - shell.length) });
  };
  const post = (path: string, body: string, type = 'application/json') => fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  it('POST /v1/verifications: 16 KiB accepted by the parser, 16 KiB + 1 refused with 413 PAYLOAD_TOO_LARGE', async () => {
    const at = await post('/v1/verifications', jsonOf(16 * 1024));
    expect(at.status).toBe(400); // parsed, then refused by the schema (purpose too long), not by size
    expect((await at.json()).error).toBe('INVALID_REQUEST');
    const past = await post('/v1/verifications', jsonOf(16 * 1024 + 1));
    expect(past.status).toBe(413);
    expect((await past.json()).error).toBe('PAYLOAD_TOO_LARGE');
  });

  it('wallet bodies (dcapi-response, direct_post): 1 MiB accepted by the parser, 1 MiB + 1 refused with 413', async () => {
    const created = await (await post('/v1/verifications', JSON.stringify({ purpose: 'age_over' }))).json();
    const handle = new URL(new URL(created.qr.uri).searchParams.get('request_uri')!).pathname.split('/')[3];
    const limit = 1024 * 1024;
    const dcapi = (n: number) => post(`/v1/verifications/${created.id}/dcapi-response`, jsonOf(n, 'data'));
    expect((await dcapi(limit)).status).toBe(400);
    const tooBig = await dcapi(limit + 1);
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error).toBe('PAYLOAD_TOO_LARGE');
    const form = (n: number) => post(`/v1/wallet/${handle}/response`, `response=${'x'.repeat(n - 9)}`, 'application/x-www-form-urlencoded');
    expect((await form(limit)).status).toBe(400);
    const formTooBig = await form(limit + 1);
    expect(formTooBig.status).toBe(413);
    // The session is still open: nothing above used it up.
    expect((await (await fetch(`${svc.url}/v1/verifications/${created.id}`)).json()).state).toMatch(/pending|retrieved/);
  });
});
