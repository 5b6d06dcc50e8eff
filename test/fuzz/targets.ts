/**
 * Fuzz targets: each takes one input as bytes (text inputs as UTF-8) and hands it to a parser or
 * verifier of kakunin. What counts as handled: a return value, or an error that carries a stable
 * code (KakuninError and its subclasses). Anything else — a TypeError, a RangeError, a crash, more
 * than 100 ms, memory out of proportion — is a finding. Used by `npm run fuzz` (scripts/fuzz.ts)
 * and, bounded, by test/hardening/fuzz.test.ts.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { decodeCbor, embed, encodeCbor, EncodedCbor } from '../../src/cbor/index.js';
import { KakuninError } from '../../src/codes/error.js';
import { coseKeyToKeyObject, createCoseMac0, keyObjectToCoseKey, parseCoseMac0, parseCoseSign1, verifyCoseMac0, verifyCoseSign1 } from '../../src/cose/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { createEncryptionInfo } from '../../src/protocols/dcapi/encryption-info.js';
import { openAnnexCResponse } from '../../src/protocols/dcapi/open-annex-c.js';
import { parseVpToken } from '../../src/protocols/oid4vp/authorization-response.js';
import {
  buildDeviceRequest,
  buildHandoverRequest,
  decodeSessionData,
  decodeSessionEstablishment,
  encodeSessionData,
  parseNfcEngagement,
  parseQrEngagement,
  parseDeviceEngagement,
  parseDeviceRequest,
  parseHandoverRequest,
  parseHandoverSelect,
} from '../../src/protocols/proximity/index.js';
import { openOid4vpResponse, verifyPresentations } from '../../src/protocols/verify-protocol-response.js';
import { createDeviceResponse, MNC_JP_NS, MNC_NS } from '../../src/sandbox/index.js';
import { SandboxProximityHolder } from '../../src/sandbox/holder-proximity.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { AT, disclosed, hardeningWorld, transcriptFor, type HardeningWorld } from '../hardening/fixtures.js';
import { decryptEcdhEsJwe } from '../../src/protocols/oid4vp/jwe-ecdh-es.js';
import { createDigitalCredentialRequest } from '../../src/protocols/dcapi/digital-credential-request.js';
import { receiveDigitalCredentialResponse } from '../../src/protocols/dcapi/digital-credential-response.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import type { RequestStateStore } from '../../src/protocols/state/request-state-store.js';
import { SandboxWallet } from '../../src/sandbox/wallet.js';
import { answerOpenID4VPOverDcApi } from '../../src/sandbox/wallet-openid4vp.js';
import { RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import { AGE_AND_RESIDENCE, ORIGIN, world as protocolWorld } from '../protocols/fixtures.js';
import { Redis } from 'ioredis';

export const TIME_LIMIT_MS = 100;

export interface FuzzTarget {
  name: string;
  /** Valid (or nearly valid) inputs made with the sandbox, the starting points of mutation. */
  seeds: Uint8Array[];
  /** Handles one input; throws a Finding when kakunin did something it must not. */
  run(input: Uint8Array): Promise<void>;
  close?(): Promise<void>;
}

export class Finding extends Error {
  constructor(
    readonly kind: 'crash' | 'slow' | 'memory' | 'accepted-tampering' | 'http-5xx',
    message: string,
  ) {
    super(`${kind}: ${message}`);
    this.name = 'Finding';
  }
}

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** Runs `fn`; a coded KakuninError is a handled outcome, any other throw is a crash. */
async function coded(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof KakuninError && typeof e.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e.code)) return;
    const err = e as Error;
    throw new Finding('crash', `${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack ?? ''}`);
  }
}

let worldPromise: Promise<HardeningWorld> | undefined;
const world = () => (worldPromise ??= hardeningWorld());

// ---------------------------------------------------------------------------------------------
async function cborTarget(): Promise<FuzzTarget> {
  const w = await world();
  const t = transcriptFor('fuzz-cbor');
  return {
    name: 'cbor',
    seeds: [
      createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: w.mnc, deviceAuth: { kind: 'signature' } }] }),
      encodeCbor(w.mnc.issuerAuth),
      encodeCbor([1, -1, 1.5, 'text', new Uint8Array([1, 2]), new Map([[1, 2]]), true, null, undefined, new Date(AT), embed([1, 2])]),
      Uint8Array.of(0x9f, 0x01, 0xff), // indefinite array
      Uint8Array.of(0x7f, 0x61, 0x61, 0xff), // indefinite text
      Uint8Array.of(0xc1, 0x1a, 0x5f, 0x00, 0x00, 0x00), // tag 1
      Uint8Array.of(0xd9, 0x03, 0xec, 0x6a, ...bytes('2020-01-01')), // tag 1004
    ],
    run: (input) => coded(() => decodeCbor(input)),
  };
}

// ---------------------------------------------------------------------------------------------
async function deviceResponseTarget(): Promise<FuzzTarget> {
  const w = await world();
  const t = transcriptFor('fuzz-device-response');
  const reader = newKeyPair('P-256');
  const options = { trust: w.trust, at: AT, sessionTranscript: t, readerEphemeralKey: reader.privateKey };
  const seeds = [
    createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: w.mnc, disclose: { [MNC_NS]: ['age_over_20'], [MNC_JP_NS]: ['local_gov_code_unicode'] }, deviceAuth: { kind: 'signature' } }] }),
    createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: w.mnc, deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey } }] }),
    createDeviceResponse({
      sessionTranscript: t,
      documents: [
        { mdoc: w.mnc, deviceAuth: { kind: 'signature' } },
        { mdoc: w.mdl, deviceAuth: { kind: 'signature' } },
      ],
    }),
  ];
  // What the issuer signed, per docType: a valid result may disclose a subset of it, nothing else.
  const full = verifyDeviceResponse(seeds[2], options);
  if (!full.valid) throw new Error('fuzz seed does not verify');
  const signed = new Map<string, string>();
  for (const d of full.documents) {
    for (const [ns, values] of Object.entries(d.elements.issuerSigned)) {
      for (const [id, v] of Object.entries(values)) signed.set(`${d.docType}|${ns}|${id}`, disclosed({ documents: [{ docType: '', elements: v }] }));
    }
  }
  return {
    name: 'device-response',
    seeds,
    async run(input) {
      let result;
      try {
        result = verifyDeviceResponse(input, options);
      } catch (e) {
        // verifyDeviceResponse promises never to throw on bad input.
        throw new Finding('crash', `verifyDeviceResponse threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
      }
      if (!result.valid) return;
      for (const d of result.documents) {
        for (const [ns, values] of Object.entries(d.elements.issuerSigned)) {
          for (const [id, v] of Object.entries(values)) {
            const was = signed.get(`${d.docType}|${ns}|${id}`);
            if (was === undefined || was !== disclosed({ documents: [{ docType: '', elements: v }] })) {
              throw new Finding('accepted-tampering', `valid result discloses ${d.docType} ${ns}/${id} that the issuer did not sign with this value`);
            }
          }
        }
        if (Object.keys(d.elements.deviceSigned ?? {}).length) throw new Finding('accepted-tampering', 'valid result with device-signed elements nobody sent');
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
async function coseTarget(): Promise<FuzzTarget> {
  const w = await world();
  const dsKey = w.ds.keys.publicKey;
  const macKey = new Uint8Array(32).fill(7);
  const keys = (['P-256', 'P-384', 'P-521'] as const).map((c) => newKeyPair(c));
  const ed = newKeyPair('Ed25519');
  return {
    name: 'cose',
    seeds: [
      encodeCbor(w.mnc.issuerAuth),
      encodeCbor(createCoseMac0(bytes('payload'), macKey)),
      encodeCbor(createCoseMac0(bytes('payload'), macKey, { detached: true })),
      ...keys.map((k) => encodeCbor(keyObjectToCoseKey(k.publicKey))),
      encodeCbor(keyObjectToCoseKey(keys[0].privateKey, { includePrivate: true })),
      encodeCbor(keyObjectToCoseKey(ed.publicKey)),
    ],
    async run(input) {
      let value: unknown;
      try {
        value = decodeCbor(input);
      } catch (e) {
        if (e instanceof KakuninError) return;
        throw new Finding('crash', `decodeCbor threw ${(e as Error).name}: ${(e as Error).message}`);
      }
      await coded(() => {
        const msg = parseCoseSign1(value);
        verifyCoseSign1(msg, dsKey);
        verifyCoseSign1(msg, dsKey, { detachedPayload: bytes('detached'), externalAad: new Uint8Array(3) });
      });
      await coded(() => {
        const msg = parseCoseMac0(value);
        verifyCoseMac0(msg, macKey);
        verifyCoseMac0(msg, macKey, { detachedPayload: bytes('payload') });
      });
      await coded(() => coseKeyToKeyObject(value));
      await coded(() => coseKeyToKeyObject(value, { private: true }));
    },
  };
}

// ---------------------------------------------------------------------------------------------
async function jweTarget(): Promise<FuzzTarget> {
  const w = await world();
  const key = newKeyPair('P-256');
  const jwk = { ...(key.publicKey.export({ format: 'jwk' }) as JWK), kid: 'k1', alg: 'ECDH-ES' };
  const t = transcriptFor('fuzz-jwe');
  const dr = createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: w.mnc, disclose: { [MNC_NS]: ['age_over_20'] }, deviceAuth: { kind: 'signature' } }] });
  const encrypt = async (payload: unknown, enc: 'A128GCM' | 'A256GCM') =>
    new CompactEncrypt(bytes(JSON.stringify(payload))).setProtectedHeader({ alg: 'ECDH-ES', enc, kid: 'k1' }).encrypt(await importJWK(jwk, 'ECDH-ES'));
  const vp = { vp_token: { mnc: [Buffer.from(dr).toString('base64url')] } };
  return {
    name: 'jwe',
    seeds: [
      bytes(await encrypt(vp, 'A128GCM')),
      bytes(await encrypt(vp, 'A256GCM')),
      bytes(await encrypt({ vp_token: { mnc: ['AAAA', 42] }, state: 'x' }, 'A256GCM')),
      bytes(`response=${await encrypt(vp, 'A128GCM')}`),
      bytes(JSON.stringify({ protocol: 'openid4vp-v1-signed', data: { response: await encrypt(vp, 'A256GCM') } })),
    ],
    async run(input) {
      await coded(async () => {
        const params = await openOid4vpResponse(utf8(input), { recipientPrivateKey: key.privateKey, kid: 'k1' });
        const tokens = parseVpToken(params);
        const presentations = [...tokens].flatMap(([credentialId, list]) => list.map((deviceResponse) => ({ credentialId, deviceResponse })));
        verifyPresentations(presentations, t, { trust: w.trust, at: AT }, 'openid4vp-dcapi');
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
async function hpkeTarget(): Promise<FuzzTarget> {
  const w = await world();
  const origin = 'https://shop.example';
  const recipient = newKeyPair('P-256');
  const info = createEncryptionInfo(new Uint8Array(randomBytes(16)), recipient.publicKey);
  const transcript = encodeCbor([
    null,
    null,
    [
      'dcapi',
      new Uint8Array(
        createHash('sha256')
          .update(encodeCbor([info.encoded, origin]))
          .digest(),
      ),
    ],
  ]);
  const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const pub = await webcrypto.subtle.importKey('jwk', recipient.publicKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey, { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  const seal = async (plain: Uint8Array) => {
    const s = await suite.seal({ recipientPublicKey: pub, info: transcript }, plain);
    return encodeCbor([
      'dcapi',
      new Map<string, unknown>([
        ['enc', new Uint8Array(s.enc)],
        ['cipherText', new Uint8Array(s.ct)],
      ]),
    ]);
  };
  const dr = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc: w.mnc, disclose: { [MNC_NS]: ['age_over_20'] }, deviceAuth: { kind: 'signature' } }] });
  const sent = { encryptionInfo: info.encoded, origin, recipientPrivateKey: recipient.privateKey };
  return {
    name: 'hpke',
    seeds: [await seal(dr), await seal(new Uint8Array(0)), await seal(Uint8Array.of(0xa0))],
    async run(input) {
      // The fuzzer mutates the EncryptedResponse CBOR; it travels base64url-encoded as the wallet sends it.
      await coded(async () => {
        const opened = await openAnnexCResponse({ protocol: 'org-iso-mdoc', data: { response: Buffer.from(input).toString('base64url') } }, sent);
        verifyDeviceResponse(opened.deviceResponse, { trust: w.trust, at: AT, sessionTranscript: opened.sessionTranscript });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
/** The JWE opener itself (ECDH-ES on P-256, A128GCM / A256GCM, by hand on node:crypto): header,
 * epk, apu/apv, IV, tag and ciphertext games, without the verification behind it. */
async function jweOpenerTarget(): Promise<FuzzTarget> {
  const key = newKeyPair('P-256');
  const publicKey = await importJWK({ ...(key.publicKey.export({ format: 'jwk' }) as JWK), alg: 'ECDH-ES' }, 'ECDH-ES');
  const encrypt = (payload: string, header: Record<string, unknown>, apu?: Uint8Array, apv?: Uint8Array) => {
    const jwe = new CompactEncrypt(bytes(payload)).setProtectedHeader({ alg: 'ECDH-ES', ...header } as never);
    if (apu || apv) jwe.setKeyManagementParameters({ ...(apu ? { apu } : {}), ...(apv ? { apv } : {}) });
    return jwe.encrypt(publicKey);
  };
  const seeds = [
    await encrypt('{"vp_token":{"a":["AA"]},"state":"s"}', { enc: 'A128GCM', kid: 'k1' }),
    await encrypt('{"vp_token":{}}', { enc: 'A256GCM', kid: 'k1' }),
    await encrypt('{}', { enc: 'A128GCM' }),
    await encrypt('{"x":1}', { enc: 'A256GCM', kid: 'k1', cty: 'json', typ: 'oauth-authz-res+jwt' }, new Uint8Array(randomBytes(16)), new Uint8Array(randomBytes(16))),
    await encrypt('not json', { enc: 'A128GCM', kid: 'other' }),
  ];
  decryptEcdhEsJwe(seeds[0], { privateKey: key.privateKey, encValues: ['A128GCM', 'A256GCM'], kid: 'k1' }); // the seed opens
  return {
    name: 'jwe-opener',
    seeds: seeds.map(bytes),
    async run(input) {
      await coded(() => decryptEcdhEsJwe(utf8(input), { privateKey: key.privateKey, encValues: ['A128GCM', 'A256GCM'], kid: 'k1' }));
    },
  };
}

// ---------------------------------------------------------------------------------------------
/** A request state store that never uses a state up nor lets it expire: every input of a long run
 * meets the same open request, which is what the opener and the checks behind it get to see. */
function lastingStateStore(): RequestStateStore {
  const states = new Map<string, string>();
  return {
    put: async (id, state) => void states.set(id, state),
    get: async (id) => states.get(id),
    consume: async (id) => states.get(id),
    release: async () => undefined,
  };
}

/** The Digital Credentials API answer to a multisigned request (OpenID4VP 1.0 §A.3.2: signed under two
 * verifier certificates), as the browser hands it over: protocol label and data, relabelled and
 * mutated; the request's own checks (answered protocol, kid, origin, nonce) and verification behind. */
async function dcApiMultisignedTarget(): Promise<FuzzTarget> {
  const w = await protocolWorld();
  const ecosystem = await createDevelopmentIdentity('ecosystem.example', w.at);
  const store = lastingStateStore();
  const req = await createDigitalCredentialRequest({
    request: AGE_AND_RESIDENCE,
    origin: ORIGIN,
    identity: w.identity,
    additionalIdentities: [ecosystem],
    protocols: ['openid4vp-v1-multisigned', 'openid4vp-v1-signed', 'org-iso-mdoc'],
    at: w.at,
    store,
  });
  const requests = req.credentialRequestOptions.digital.requests;
  const multisigned = requests.find((r) => r.protocol === 'openid4vp-v1-multisigned')!;
  // A wallet that trusts only the second certificate: it authenticates the request by that signature.
  const wallet = new SandboxWallet({ credentials: w.credentials, trustedReaderRoots: [ecosystem.rootDer], now: () => new Date() });
  const answer = await answerOpenID4VPOverDcApi(wallet, 'openid4vp-v1-multisigned', multisigned.data, ORIGIN);
  const json = (v: unknown) => bytes(JSON.stringify(v));
  // The seed must verify, or every mutation would stop at the first check and the target would rot unseen.
  const seedResult = await receiveDigitalCredentialResponse({ id: req.id, response: answer, store, trust: w.trust, at: w.at });
  if (!seedResult.valid) throw new Error(`the multisigned seed answer does not verify: ${seedResult.errors.map((e) => e.code).join(', ')}`);
  return {
    name: 'dcapi-multisigned',
    seeds: [
      json(answer),
      json({ ...answer, protocol: 'openid4vp-v1-signed' }),
      json({ ...answer, protocol: 'org-iso-mdoc' }),
      json({ protocol: 'openid4vp-v1-multisigned', data: { error: 'access_denied' } }),
      json({ protocol: 'openid4vp-v1-multisigned', data: { vp_token: { mnc: ['AAAA'] } } }),
      json({ protocol: 'openid4vp-v1-multisigned', data: answer.data.response }),
    ],
    async run(input) {
      let response: unknown;
      try {
        response = JSON.parse(utf8(input));
      } catch {
        return; // the browser hands over an object: what is not JSON never reaches kakunin here
      }
      await coded(() => receiveDigitalCredentialResponse({ id: req.id, response: response, store, trust: w.trust, at: w.at }));
    },
  };
}

// ---------------------------------------------------------------------------------------------
/**
 * The Redis store's read paths with the key layout a Redis Cluster uses (every key of a record under
 * one hash tag), on the one Redis this machine has: a stored value replaced by the input (as a
 * damaged dump, another instance with another key, or a write to Redis by someone else would) must be
 * refused with a code, never crash, hang or be taken for a session. First byte: 0 the session record,
 * 1 the QR handle's alias.
 */
async function redisStoreTarget(): Promise<FuzzTarget> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `kakunin-fuzz:${randomBytes(6).toString('hex')}:`;
  const cipher = StoreCipher.generate();
  // A long command timeout: a run at nice 19 on a busy machine is slow to read replies, and a timeout
  // here would be the harness's, not kakunin's.
  const store = RedisSessionStore.connect(url, cipher, prefix, undefined, { commandTimeoutMs: 60_000 });
  const raw = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
  const id = randomBytes(16).toString('base64url');
  const handle = randomBytes(16).toString('base64url');
  const now = new Date();
  await store.create(
    {
      id,
      purpose: 'age_over',
      state: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      client: 'kakunin-client:sandbox',
      secrets: { oid4vp: handle },
    },
    3600,
    handle,
  );
  const keys = await raw.keys(`${prefix}*`);
  const sessionKey = keys.find((k) => /}s:/.test(k))!;
  const aliasKey = keys.find((k) => /}a:/.test(k))!;
  const sealedSession = (await raw.get(sessionKey))!;
  const sealedAlias = (await raw.get(aliasKey))!;
  const sel = (i: number, s: string) => Uint8Array.of(i, ...bytes(s));
  return {
    name: 'redis-store',
    seeds: [sel(0, sealedSession), sel(1, sealedAlias), sel(0, sealedAlias), sel(1, sealedSession), sel(0, 'v1.AAAAAAAA.AAAA')],
    async run(input) {
      if (input.length === 0) return;
      const which = input[0] % 2;
      const value = Buffer.from(input.subarray(1));
      await raw.set(which === 0 ? sessionKey : aliasKey, value, 'EX', 3600);
      await coded(async () => {
        if (which === 1) {
          const named = await store.resolve(handle);
          if (named !== undefined && named !== id) throw new Finding('accepted-tampering', `a damaged alias named ${named.slice(0, 40)}`);
          return;
        }
        const found = await store.get(id);
        if (found.status === 'found' && JSON.stringify(found.session) !== cipher.open(sessionKey, sealedSession))
          throw new Finding('accepted-tampering', 'a damaged session record was read as a session');
      });
    },
    async close() {
      const left = await raw.keys(`${prefix}*`);
      if (left.length) await raw.del(...left);
      raw.disconnect();
      await store.close?.();
    },
  };
}

// ---------------------------------------------------------------------------------------------
/** First byte picks the parser, the rest is its input. */
const ENGAGEMENT_PARSERS: ((rest: Uint8Array) => unknown)[] = [
  (b) => parseDeviceEngagement(b),
  (b) => parseQrEngagement(utf8(b)),
  (b) => parseHandoverSelect(b),
  (b) => parseNfcEngagement(b, null),
  (b) => parseHandoverRequest(b),
  (b) => decodeSessionEstablishment(b),
  (b) => decodeSessionData(b),
  (b) => parseDeviceRequest(b),
];

async function engagementTarget(): Promise<FuzzTarget> {
  const w = await world();
  const holder = new SandboxProximityHolder({ documents: [w.mnc] });
  const qr = holder.qrEngagement();
  const deBytes = new Uint8Array(Buffer.from(qr.slice('mdoc:'.length), 'base64url'));
  const hs = holder.staticHandoverSelect();
  const hr = buildHandoverRequest([
    { type: 'ble', centralClientMode: true, peripheralServerMode: false, centralClientUuid: '45efef74-2b2c-4837-a9a3-b0e1d05a6917' },
    { type: 'nfc', maxCommandDataLength: 255, maxResponseDataLength: 65536 },
  ]);
  const eReaderKey = keyObjectToCoseKey(newKeyPair('P-256').publicKey);
  const establishment = encodeCbor(
    new Map<string, unknown>([
      ['eReaderKey', embed(eReaderKey)],
      ['data', new Uint8Array(randomBytes(40))],
    ]),
  );
  const dreq = buildDeviceRequest([{ docType: 'org.iso.23220.1.jp.mnc', nameSpaces: { [MNC_NS]: { age_over_20: false } } }], encodeCbor([null, null, null]));
  const sel = (i: number, b: Uint8Array) => Uint8Array.of(i, ...b);
  return {
    name: 'engagement',
    seeds: [
      sel(0, deBytes),
      sel(1, bytes(qr)),
      sel(2, hs),
      sel(3, hs),
      sel(4, hr),
      sel(5, establishment),
      sel(6, encodeSessionData({ data: new Uint8Array(randomBytes(32)), status: 20 })),
      sel(7, dreq),
    ],
    async run(input) {
      if (input.length === 0) return;
      const parse = ENGAGEMENT_PARSERS[input[0] % ENGAGEMENT_PARSERS.length];
      await coded(() => parse(input.subarray(1)));
    },
  };
}

// ---------------------------------------------------------------------------------------------
const HTTP_ENDPOINTS = ['create', 'dcapi-response', 'direct-post', 'request-post', 'decline'] as const;

async function httpTarget(): Promise<FuzzTarget> {
  // Rate limits off: a long run creates a verification after every answer or decline (limits have their own tests).
  const svc: StartedService = await startDemo(['--port', '0', '--public-url', 'http://127.0.0.1:0', '--rate-limit-ip', '0'], { env: {}, quiet: true, logger: createLogger('silent') });
  const base = svc.url;
  let session: { id: string; handle: string } | undefined;
  const fresh = async () => {
    const res = await fetch(`${base}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });
    if (res.status !== 201) throw new Finding(res.status >= 500 ? 'http-5xx' : 'crash', `the harness could not create a verification: ${res.status} ${(await res.text()).slice(0, 200)}`);
    const v = (await res.json()) as { id: string; qr: { uri: string } };
    const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!;
    session = { id: v.id, handle: new URL(requestUri).pathname.split('/')[3] };
    return session;
  };
  const sel = (i: number, s: string) => Uint8Array.of(i, ...bytes(s));
  const fakeJwe = 'eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTEyOEdDTSJ9..AAAA.BBBB.CCCC';
  return {
    name: 'http',
    seeds: [
      sel(0, JSON.stringify({ purpose: 'age_over' })),
      sel(0, JSON.stringify({ purpose: 'kyc', options: { origin: 'https://shop.example', webhook_url: 'https://shop.example/hook' } })),
      sel(1, JSON.stringify({ protocol: 'openid4vp-v1-signed', data: { response: fakeJwe } })),
      sel(1, JSON.stringify({ protocol: 'org-iso-mdoc', data: { response: 'gmVkY2FwaaJjZW5jQQBqY2lwaGVyVGV4dEEA' } })),
      sel(2, `response=${fakeJwe}&state=abc`),
      sel(3, 'wallet_nonce=abc&wallet_metadata=%7B%7D'),
      // HANDLE stands for the current verification's QR handle (the request object's state).
      sel(
        3,
        `wallet_nonce=${'n'.repeat(43)}&wallet_metadata=${encodeURIComponent(JSON.stringify({ authorization_encryption_alg_values_supported: ['ECDH-ES'], authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'], vp_formats_supported: { mso_mdoc: {} } }))}`,
      ),
      sel(3, 'wallet_nonce=&wallet_nonce=x'),
      sel(2, 'error=access_denied&state=HANDLE'),
      sel(2, 'error=invalid_request&error_description=x&state=HANDLE'),
      sel(4, JSON.stringify({ error: 'user_cancelled' })),
      sel(4, JSON.stringify({ error: 'verifier_cancelled' })),
      sel(1, JSON.stringify({ protocol: 'openid4vp-v1-multisigned', data: { error: 'access_denied' } })),
    ],
    async run(input) {
      if (input.length === 0) return;
      const s = session ?? (await fresh());
      const endpoint = HTTP_ENDPOINTS[input[0] % HTTP_ENDPOINTS.length];
      const body = Buffer.from(utf8(input.subarray(1)).replaceAll('HANDLE', s.handle));
      const form = endpoint === 'direct-post' || endpoint === 'request-post';
      const path = {
        create: '/v1/verifications',
        'dcapi-response': `/v1/verifications/${s.id}/dcapi-response`,
        'direct-post': `/v1/wallet/${s.handle}/response`,
        'request-post': `/v1/wallet/${s.handle}/request`,
        decline: `/v1/verifications/${s.id}/decline`,
      }[endpoint];
      const post = () => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }, body });
      let res: Response;
      try {
        res = await post();
      } catch {
        // A kept-alive connection the server closed as idle (5 s) just as the client reused it: a
        // browser sends such a request again, once. Under nice 19 on a busy machine, client and
        // server timers run late enough for that race (one in 299 inputs, not reproducible alone).
        try {
          res = await post();
        } catch (e) {
          throw new Finding('crash', `the service dropped the connection twice: ${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? '')}`);
        }
      }
      const text = await res.text();
      if (res.status >= 500) throw new Finding('http-5xx', `${endpoint} answered ${res.status}: ${text.slice(0, 200)}`);
      if (res.status >= 400) {
        let code: unknown;
        try {
          code = (JSON.parse(text) as { error?: unknown }).error;
        } catch {
          code = undefined;
        }
        if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code)) throw new Finding('crash', `${endpoint} answered ${res.status} without an error code: ${text.slice(0, 200)}`);
      }
      // An answered or used session cannot take more answers: start a new one for the next input.
      if (endpoint !== 'create' && endpoint !== 'request-post' && res.status === 200) session = undefined;
    },
    close: () => svc.close(),
  };
}

export const TARGETS: Record<string, () => Promise<FuzzTarget>> = {
  cbor: cborTarget,
  'device-response': deviceResponseTarget,
  cose: coseTarget,
  jwe: jweTarget,
  hpke: hpkeTarget,
  engagement: engagementTarget,
  http: httpTarget,
  'jwe-opener': jweOpenerTarget,
  'dcapi-multisigned': dcApiMultisignedTarget,
  'redis-store': redisStoreTarget,
};

/** Input kinds whose mutation should keep to base64url / text characters. */
export const TEXT_TARGETS = new Set(['jwe', 'jwe-opener', 'dcapi-multisigned']);

export { EncodedCbor };
