/**
 * Tampering: valid answers from the sandbox issuer and wallet for each protocol, then mutated the
 * way an attacker between the wallet and kakunin (or a holder with a modified wallet) could:
 * - every byte of the DeviceResponse, one bit flipped, re-encrypted to the verifier's key (HPKE base
 *   mode and ECDH-ES authenticate nobody, so anyone can re-encrypt), through the whole protocol path;
 * - every byte of the encrypted envelope as sent;
 * - structure-aware changes: elements swapped between documents and between two holders' cards,
 *   items moved between namespaces, docType changed, issuerAuth or deviceSigned swapped, an old
 *   nonce replayed (an answer for one request sent to another), two responses spliced.
 * Pass condition: no accepted mutant discloses data other than what the issuer signed for this
 * holder in this session. The counts are printed for docs/reliability.md.
 */
import { createHash, webcrypto, type KeyObject } from 'node:crypto';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor, type EncodedCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { createDigitalCredentialRequest } from '../../src/protocols/dcapi/digital-credential-request.js';
import { createOpenID4VPRequest, getRequestObject } from '../../src/protocols/oid4vp/redirect-flow.js';
import { createLoopbackPair, parseQrEngagement, ReaderSession } from '../../src/protocols/proximity/index.js';
import type { PresentationRequest } from '../../src/protocols/request/presentation-request.js';
import { keyFromJwk, type PresentationState } from '../../src/protocols/state/presentation-state.js';
import { MemoryRequestStateStore } from '../../src/protocols/state/request-state-store.js';
import { openProtocolResponse, verifyProtocolResponse, type ProtocolResponseContext } from '../../src/protocols/verify-protocol-response.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import { createDeviceResponse, issueMdoc, MNC_DOCTYPE, MNC_JP_NS, MNC_NS, createMyNumberCardElements, type IssuedMdoc } from '../../src/sandbox/index.js';
import { SandboxProximityHolder } from '../../src/sandbox/holder-proximity.js';
import { answerAnnexC } from '../../src/sandbox/wallet-annex-c.js';
import { answerOpenID4VPOverDcApi, answerOpenID4VPRedirect } from '../../src/sandbox/wallet-openid4vp.js';
import { SandboxWallet } from '../../src/sandbox/wallet.js';
import { AT, disclosed, hardeningWorld, MSO_VALIDITY, transcriptFor, type HardeningWorld } from './fixtures.js';

const ORIGIN = 'https://verifier.example';
const BASE = 'https://verifier.example';
const REQUEST: PresentationRequest = {
  documents: [
    {
      id: 'mnc',
      docType: MNC_DOCTYPE,
      elements: [
        { nameSpace: MNC_NS, elementIdentifier: 'age_over_20' },
        { nameSpace: MNC_JP_NS, elementIdentifier: 'local_gov_code_unicode' },
      ],
    },
  ],
};
const DISCLOSE = { [MNC_NS]: ['age_over_20'], [MNC_JP_NS]: ['local_gov_code_unicode'] };

interface Counts {
  tried: number;
  rejected: number;
  acceptedSame: number;
  /** Accepted with fewer elements than sent (e.g. the optional issuerSigned.nameSpaces key renamed
   * away): nothing forged; the protocol layer, which knows the request, reports ELEMENT_MISSING. */
  acceptedSubset: number;
  acceptedChanged: string[];
}
const totals = new Map<string, Counts>();
const count = (label: string): Counts => {
  let c = totals.get(label);
  if (!c) totals.set(label, (c = { tried: 0, rejected: 0, acceptedSame: 0, acceptedSubset: 0, acceptedChanged: [] }));
  return c;
};

/** One protocol's valid answer, and how to judge a changed DeviceResponse or envelope. */
interface Scenario {
  name: string;
  deviceResponse: Uint8Array;
  sessionTranscript: Uint8Array;
  /** Judges a DeviceResponse that travelled the protocol's whole path; undefined when refused. */
  judge(deviceResponse: Uint8Array): Promise<{ valid: boolean; documents: { docType: string; elements: unknown }[] } | undefined>;
  /** Judges the encrypted envelope as received (online protocols). */
  judgeEnvelope?(envelope: Uint8Array): Promise<{ valid: boolean; documents: { docType: string; elements: unknown }[] } | undefined>;
  envelope?: Uint8Array;
  /** A second, independent valid answer of the same kind (for replays and splices). */
  other: { deviceResponse: Uint8Array };
}

async function check(label: string, expected: string, judge: () => Promise<{ valid: boolean; documents: { docType: string; elements: unknown }[] } | undefined>, what: string): Promise<void> {
  const c = count(label);
  c.tried++;
  let r;
  try {
    r = await judge();
  } catch (e) {
    // Envelope failures are coded ProtocolErrors; anything else is a bug the test must show.
    if (!(e as { code?: unknown }).code) throw e;
    r = undefined;
  }
  if (!r || !r.valid) {
    c.rejected++;
    return;
  }
  if (disclosed(r) === expected) c.acceptedSame++;
  else if (isSubset(flatten(r), flatten(JSON.parse(expected) as [string, Elements][]))) c.acceptedSubset++;
  else c.acceptedChanged.push(what);
}

type Elements = { issuerSigned: Record<string, Record<string, unknown>>; deviceSigned?: Record<string, Record<string, unknown>> };

/** docType|namespace|element -> value (as JSON), from a result or from disclosed()'s JSON. */
function flatten(r: { documents: { docType: string; elements: unknown }[] } | [string, Elements][]): Map<string, string> {
  const out = new Map<string, string>();
  const list = Array.isArray(r) ? r : (JSON.parse(disclosed(r)) as [string, Elements][]);
  for (const [docType, elements] of list) {
    for (const [kind, byNs] of Object.entries(elements)) {
      for (const [ns, values] of Object.entries(byNs ?? {})) for (const [id, v] of Object.entries(values)) out.set(`${docType}|${kind}|${ns}|${id}`, JSON.stringify(v));
    }
  }
  return out;
}

function isSubset(seen: Map<string, string>, signed: Map<string, string>): boolean {
  for (const [k, v] of seen) if (signed.get(k) !== v) return false;
  return true;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

let w: HardeningWorld;
let young: IssuedMdoc; // another holder's card from the same issuer: under 20, another town
const scenarios: Scenario[] = [];
const readerRoot = { der: undefined as Uint8Array | undefined };

beforeAll(async () => {
  w = await hardeningWorld();
  young = await issueMdoc({
    docType: MNC_DOCTYPE,
    nameSpaces: createMyNumberCardElements(
      { birthDate: '2010-02-03', sex: 1, fullName: '若者 次郎', residentAddress: '大阪府大阪市北区1-1', localGovCode: '271276', individualNumber: '111122223333' },
      AT,
    ),
    signer: w.ds,
    validity: MSO_VALIDITY,
  });
  const identity = await createDevelopmentIdentity('verifier.example', AT);
  readerRoot.der = identity.rootDer;
  const wallet = () => new SandboxWallet({ credentials: [w.mnc, w.mdl], trustedReaderRoots: [identity.rootDer], now: () => AT });
  const trustOpts = { trust: w.trust, at: AT, request: REQUEST };
  const judgeWith = (input: ProtocolResponseContext, wrap: (dr: Uint8Array) => Promise<unknown>) => async (dr: Uint8Array) => verifyProtocolResponse(await wrap(dr), input, trustOpts);

  // 1. ISO 18013-5 DeviceResponse, core pipeline (as the CLI and every protocol use it).
  {
    const t = transcriptFor('core');
    const dr = createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: w.mnc, disclose: DISCLOSE, deviceAuth: { kind: 'signature' } }] });
    const t2 = transcriptFor('core-2');
    scenarios.push({
      name: 'ISO DeviceResponse (core)',
      deviceResponse: dr,
      sessionTranscript: t,
      judge: async (m) => verifyDeviceResponse(m, { trust: w.trust, at: AT, sessionTranscript: t }),
      other: { deviceResponse: createDeviceResponse({ sessionTranscript: t2, documents: [{ mdoc: w.mnc, disclose: DISCLOSE, deviceAuth: { kind: 'signature' } }] }) },
    });
  }

  // 2. Annex C (org-iso-mdoc over the DC API, HPKE).
  {
    const make = async () => {
      const store = new MemoryRequestStateStore();
      const req = await createDigitalCredentialRequest({ request: REQUEST, origin: ORIGIN, identity, protocols: ['org-iso-mdoc'], at: AT, store });
      const data = req.credentialRequestOptions.digital.requests[0].data as { deviceRequest: string; encryptionInfo: string };
      const response = await answerAnnexC(wallet(), data, ORIGIN);
      const state = JSON.parse((await store.get(req.id))!) as PresentationState;
      const input: ProtocolResponseContext = { protocol: 'org-iso-mdoc', origin: ORIGIN, encryptionInfo: state.annexC!.encryptionInfo, recipientPrivateKey: keyFromJwk(state.annexC!.recipientKey) };
      const opened = await openProtocolResponse(response, input);
      return { response, input, opened };
    };
    const a = await make();
    const b = await make();
    const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
    const recipientPublic = await webcrypto.subtle.importKey('jwk', publicJwk(a.input.recipientPrivateKey), { name: 'ECDH', namedCurve: 'P-256' }, true, []);
    const wrap = async (dr: Uint8Array) => {
      const s = await suite.seal({ recipientPublicKey: recipientPublic, info: a.opened.sessionTranscript }, dr);
      return {
        protocol: 'org-iso-mdoc',
        data: {
          response: b64u(
            encodeCbor([
              'dcapi',
              new Map<string, unknown>([
                ['enc', new Uint8Array(s.enc)],
                ['cipherText', new Uint8Array(s.ct)],
              ]),
            ]),
          ),
        },
      };
    };
    scenarios.push({
      name: 'Annex C org-iso-mdoc',
      deviceResponse: a.opened.presentations[0].deviceResponse,
      sessionTranscript: a.opened.sessionTranscript,
      judge: judgeWith(a.input, wrap),
      envelope: new Uint8Array(Buffer.from(a.response.data.response, 'base64url')),
      judgeEnvelope: (env) => verifyProtocolResponse({ protocol: 'org-iso-mdoc', data: { response: b64u(env) } }, a.input, trustOpts),
      other: { deviceResponse: b.opened.presentations[0].deviceResponse },
    });
  }

  // 3. OpenID4VP over the DC API (openid4vp-v1-signed, dc_api.jwt).
  {
    const make = async () => {
      const store = new MemoryRequestStateStore();
      const req = await createDigitalCredentialRequest({ request: REQUEST, origin: ORIGIN, identity, protocols: ['openid4vp-v1-signed'], at: AT, store });
      const data = req.credentialRequestOptions.digital.requests[0].data;
      const response = await answerOpenID4VPOverDcApi(wallet(), 'openid4vp-v1-signed', data, ORIGIN);
      const state = JSON.parse((await store.get(req.id))!) as PresentationState;
      const sent = state.dcApiOid4vp!['openid4vp-v1-signed'];
      const input: ProtocolResponseContext = { protocol: 'openid4vp-dcapi', origin: ORIGIN, nonce: sent.nonce, recipientPrivateKey: keyFromJwk(sent.encryptionKey), kid: sent.kid };
      const opened = await openProtocolResponse(response, input);
      return { response, input, opened, kid: sent.kid };
    };
    const a = await make();
    const b = await make();
    const wrap = jweWrapper(a.input.recipientPrivateKey as KeyObject, a.kid, (jwe) => ({ protocol: 'openid4vp-v1-signed', data: { response: jwe } }));
    scenarios.push({
      name: 'OpenID4VP DC API',
      deviceResponse: a.opened.presentations[0].deviceResponse,
      sessionTranscript: a.opened.sessionTranscript,
      judge: judgeWith(a.input, wrap),
      envelope: new Uint8Array(Buffer.from(a.response.data.response)),
      judgeEnvelope: (env) => verifyProtocolResponse({ protocol: 'openid4vp-v1-signed', data: { response: Buffer.from(env).toString('latin1') } }, a.input, trustOpts),
      other: { deviceResponse: b.opened.presentations[0].deviceResponse },
    });
  }

  // 4. OpenID4VP by QR / redirect (signed request by reference, direct_post.jwt).
  {
    const make = async () => {
      const store = new MemoryRequestStateStore();
      const req = await createOpenID4VPRequest({ request: REQUEST, identity, requestUri: (id) => `${BASE}/request/${id}`, responseUri: (id) => `${BASE}/response/${id}`, at: AT, store });
      const posted = await answerOpenID4VPRedirect(wallet(), req.walletUrl, async (uri) => getRequestObject(store, uri.slice(`${BASE}/request/`.length), AT, { identity }));
      const state = JSON.parse((await store.get(req.id))!) as PresentationState;
      const o = state.oid4vp!;
      const input: ProtocolResponseContext = {
        protocol: 'openid4vp',
        clientId: o.clientId!,
        responseUri: o.responseUri!,
        nonce: o.nonce,
        recipientPrivateKey: keyFromJwk(o.encryptionKey),
        kid: o.kid,
      };
      const opened = await openProtocolResponse(posted.body, input);
      return { posted, input, opened, kid: o.kid };
    };
    const a = await make();
    const b = await make();
    const wrap = jweWrapper(a.input.recipientPrivateKey as KeyObject, a.kid, (jwe) => new URLSearchParams({ response: jwe }).toString());
    scenarios.push({
      name: 'OpenID4VP redirect',
      deviceResponse: a.opened.presentations[0].deviceResponse,
      sessionTranscript: a.opened.sessionTranscript,
      judge: judgeWith(a.input, wrap),
      envelope: new Uint8Array(Buffer.from(new URLSearchParams(a.posted.body).get('response')!)),
      judgeEnvelope: (env) => verifyProtocolResponse(new URLSearchParams({ response: Buffer.from(env).toString('latin1') }).toString(), a.input, trustOpts),
      other: { deviceResponse: b.opened.presentations[0].deviceResponse },
    });
  }

  // 5. In person (ISO 18013-5 over the loopback transport, QR engagement, deviceMac).
  {
    const make = async () => {
      const holder = new SandboxProximityHolder({ documents: [w.mnc], deviceAuth: 'mac' });
      const engagement = parseQrEngagement(holder.qrEngagement());
      const { reader, mdoc } = createLoopbackPair();
      const served = holder.serve(mdoc, 2000);
      const session = new ReaderSession({ engagement, transport: reader, timeoutMs: 2000 });
      const { deviceResponse } = await session.request([{ docType: MNC_DOCTYPE, nameSpaces: { [MNC_NS]: { age_over_20: false }, [MNC_JP_NS]: { local_gov_code_unicode: false } } }]);
      await session.terminate();
      await served;
      return { deviceResponse, sessionTranscript: session.sessionTranscript, readerKey: session.readerEphemeralKey };
    };
    const a = await make();
    const b = await make();
    scenarios.push({
      name: 'in person (loopback, deviceMac)',
      deviceResponse: a.deviceResponse,
      sessionTranscript: a.sessionTranscript,
      judge: async (m) => verifyDeviceResponse(m, { trust: w.trust, at: AT, sessionTranscript: a.sessionTranscript, readerEphemeralKey: a.readerKey }),
      other: { deviceResponse: b.deviceResponse },
    });
  }
}, 60_000);

function publicJwk(privateKey: KeyObject): webcrypto.JsonWebKey {
  const { d: _d, ...pub } = privateKey.export({ format: 'jwk' });
  return pub;
}

function jweWrapper(privateKey: KeyObject, kid: string, shape: (jwe: string) => unknown) {
  const jwk = { ...(publicJwk(privateKey) as JWK), kid };
  const keyP = importJWK(jwk, 'ECDH-ES');
  return async (dr: Uint8Array) =>
    shape(await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ vp_token: { mnc: [b64u(dr)] } }))).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid }).encrypt(await keyP));
}

afterAll(() => {
  let tried = 0;
  let accepted = 0;
  let changed = 0;
  console.log('tampering: mutants tried / refused / accepted unchanged / accepted with fewer elements / accepted with changed data');
  for (const [label, c] of totals) {
    tried += c.tried;
    accepted += c.acceptedSame + c.acceptedSubset;
    changed += c.acceptedChanged.length;
    console.log(`  ${label}: ${c.tried} / ${c.rejected} / ${c.acceptedSame} / ${c.acceptedSubset} / ${c.acceptedChanged.length}`);
  }
  console.log(`tampering total: ${tried} mutants tried, ${accepted + changed} accepted, ${changed} accepted with data the issuer did not sign`);
});

// ---------------------------------------------------------------------------------------------
// Structure-aware mutations on the decoded DeviceResponse. Embedded items keep their exact bytes.

type M = Map<unknown, unknown>;
const docs = (dr: M) => dr.get('documents') as M[];
const issuerNs = (doc: M) => (doc.get('issuerSigned') as M).get('nameSpaces') as Map<string, EncodedCbor[]>;
const itemId = (e: EncodedCbor) => (decodeCbor(e.bytes) as M).get('elementIdentifier');
const clone = (bytes: Uint8Array) => decodeCbor(bytes) as M;

function structuralMutants(s: Scenario, youngResponse: Uint8Array, twoDocs: Uint8Array): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const push = (what: string, fn: (dr: M) => void, from: Uint8Array = s.deviceResponse) => {
    const dr = clone(from);
    fn(dr);
    out.push([what, encodeCbor(dr)]);
  };
  // Another holder's item (the young person's age_over_20 = false, their municipality) in our document, and the reverse.
  for (const ns of [MNC_NS, MNC_JP_NS]) {
    push(`foreign item in ${ns}`, (dr) => {
      const mine = issuerNs(docs(dr)[0]).get(ns)!;
      const theirs = issuerNs(docs(clone(youngResponse))[0]).get(ns)!;
      mine[0] = theirs.find((t) => itemId(t) === itemId(mine[0])) ?? theirs[0];
    });
    push(
      `our item in the other holder's response (${ns})`,
      (dr) => {
        const theirs = issuerNs(docs(dr)[0]).get(ns)!;
        const mine = issuerNs(docs(clone(s.deviceResponse))[0]).get(ns)!;
        theirs[0] = mine.find((m) => itemId(m) === itemId(theirs[0])) ?? mine[0];
      },
      youngResponse,
    );
  }
  push("other holder's issuerAuth with our items", (dr) => {
    (docs(dr)[0].get('issuerSigned') as M).set('issuerAuth', (docs(clone(youngResponse))[0].get('issuerSigned') as M).get('issuerAuth'));
  });
  push("other session's deviceSigned", (dr) => docs(dr)[0].set('deviceSigned', docs(clone(s.other.deviceResponse))[0].get('deviceSigned')));
  // Items moved between namespaces.
  push('item moved between namespaces', (dr) => {
    const n = issuerNs(docs(dr)[0]);
    n.get(MNC_NS)!.push(n.get(MNC_JP_NS)!.shift()!);
  });
  push('namespace renamed', (dr) => {
    const n = issuerNs(docs(dr)[0]);
    n.set('org.iso.23220.1.jp.x', n.get(MNC_JP_NS)!);
    n.delete(MNC_JP_NS);
  });
  push('item duplicated', (dr) => {
    const list = issuerNs(docs(dr)[0]).get(MNC_NS)!;
    list.push(list[0]);
  });
  // docType.
  for (const docType of ['org.iso.18013.5.1.mDL', 'org.iso.23220.1.jp.mnc.x', '']) push(`docType ${docType || '(empty)'}`, (dr) => docs(dr)[0].set('docType', docType));
  // Elements swapped between documents of a two-document response (mnc + mDL from the same issuer).
  push(
    'items swapped between documents',
    (dr) => {
      const [a, b] = docs(dr);
      const na = issuerNs(a);
      const nb = issuerNs(b);
      const [nsA] = [...na.keys()];
      const [nsB] = [...nb.keys()];
      const t = na.get(nsA)![0];
      na.get(nsA)![0] = nb.get(nsB)![0];
      nb.get(nsB)![0] = t;
    },
    twoDocs,
  );
  push(
    'namespaces swapped between documents',
    (dr) => {
      const [a, b] = docs(dr);
      const sa = a.get('issuerSigned') as M;
      const sb = b.get('issuerSigned') as M;
      const t = sa.get('nameSpaces');
      sa.set('nameSpaces', sb.get('nameSpaces'));
      sb.set('nameSpaces', t);
    },
    twoDocs,
  );
  // Splices of two responses: documents of both, and byte halves.
  push('documents of two sessions in one response', (dr) => docs(dr).push(docs(clone(s.other.deviceResponse))[0]));
  for (const cut of [0.25, 0.5, 0.75]) {
    const a = s.deviceResponse;
    const b = s.other.deviceResponse;
    const at = Math.floor(a.length * cut);
    out.push([`byte splice at ${cut}`, Uint8Array.from([...a.subarray(0, at), ...b.subarray(Math.min(at, b.length))])]);
  }
  // Replay: the other session's whole answer (made for another nonce / transcript).
  out.push(['replayed answer of another session', s.other.deviceResponse]);
  return out;
}

describe('tampering with valid answers', () => {
  it('flips one bit of every byte of each DeviceResponse (through the whole protocol path): nothing changed is accepted', async () => {
    for (const s of scenarios) {
      const expected = disclosed((await s.judge(s.deviceResponse))!);
      expect((await s.judge(s.deviceResponse))?.valid, s.name).toBe(true);
      for (let i = 0; i < s.deviceResponse.length; i++) {
        const m = s.deviceResponse.slice();
        m[i] ^= 0x01;
        await check(`${s.name}, every byte of the DeviceResponse`, expected, () => s.judge(m), `byte ${i}`);
      }
      expect(count(`${s.name}, every byte of the DeviceResponse`).tried).toBe(s.deviceResponse.length);
    }
    for (const [label, c] of totals) expect(c.acceptedChanged, label).toEqual([]);
  }, 300_000);

  it('flips every byte of each encrypted envelope as sent: none opens', async () => {
    for (const s of scenarios) {
      if (!s.envelope || !s.judgeEnvelope) continue;
      const expected = disclosed((await s.judge(s.deviceResponse))!);
      expect((await s.judgeEnvelope(s.envelope))?.valid, s.name).toBe(true);
      const label = `${s.name}, every byte of the envelope`;
      for (let i = 0; i < s.envelope.length; i++) {
        const m = s.envelope.slice();
        // Text envelopes (JWE): swap to another base64url character so the mutant stays well-formed text.
        m[i] = s.name.startsWith('OpenID4VP') ? (m[i] === 0x41 ? 0x42 : m[i] === 0x2e ? 0x41 : 0x41) : m[i] ^ 0x01;
        await check(label, expected, () => s.judgeEnvelope!(m), `envelope byte ${i}`);
      }
      expect(count(label).acceptedChanged).toEqual([]);
    }
  }, 300_000);

  it('structure-aware changes: swaps, moves, docType, foreign items, replays, splices: nothing changed is accepted', async () => {
    const t = scenarios[0].sessionTranscript;
    for (const s of scenarios) {
      const expected = disclosed((await s.judge(s.deviceResponse))!);
      // The other holder's answer and a two-document answer, for the same session (so device
      // authentication itself would pass for them where the protocol allows deviceSignature).
      const youngResponse = createDeviceResponse({ sessionTranscript: s.sessionTranscript, documents: [{ mdoc: young, disclose: DISCLOSE, deviceAuth: { kind: 'signature' } }] });
      const twoDocs = createDeviceResponse({
        sessionTranscript: s.sessionTranscript,
        documents: [
          { mdoc: w.mnc, disclose: DISCLOSE, deviceAuth: { kind: 'signature' } },
          { mdoc: w.mdl, disclose: { 'org.iso.18013.5.1': ['age_over_21', 'family_name'] }, deviceAuth: { kind: 'signature' } },
        ],
      });
      void t;
      for (const [what, m] of structuralMutants(s, youngResponse, twoDocs)) {
        await check(`${s.name}, structure-aware`, expected, () => s.judge(m), what);
      }
      expect(count(`${s.name}, structure-aware`).acceptedChanged).toEqual([]);
    }
  }, 120_000);

  it('the young holder cannot borrow age_over_20 = true from any other valid card', async () => {
    // A direct check of the headline attack: verify the young holder's own answer first.
    const t = transcriptFor('young');
    const own = verifyDeviceResponse(createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: young, disclose: DISCLOSE, deviceAuth: { kind: 'signature' } }] }), {
      trust: w.trust,
      at: AT,
      sessionTranscript: t,
    });
    expect(own.valid).toBe(true);
    expect(own.documents[0].elements.issuerSigned[MNC_NS]).toEqual({ age_over_20: false });
    const dr = clone(createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: young, disclose: DISCLOSE, deviceAuth: { kind: 'signature' } }] }));
    const adult = issuerNs(docs(clone(createDeviceResponse({ sessionTranscript: t, documents: [{ mdoc: w.mnc, disclose: DISCLOSE, deviceAuth: { kind: 'signature' } }] })))[0]).get(MNC_NS)!;
    issuerNs(docs(dr)[0]).set(MNC_NS, adult);
    const r = verifyDeviceResponse(encodeCbor(dr), { trust: w.trust, at: AT, sessionTranscript: t });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code)).toContain('DIGEST_MISMATCH');
    void createHash;
  });
});
