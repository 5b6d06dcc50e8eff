/**
 * `npm run bench`: verifications per second of kakunin and @auth0/mdl on the same vectors in one run,
 * and the cost of the signature checks alone (node:crypto verifying the same signatures in a loop).
 *
 * The last two lines are machine-read:
 *   ratio vs @auth0/mdl: N        kakunin's rate over auth0's on example1
 *   ratio vs @owf/mdoc: N         kakunin's rate over @owf/mdoc's (node:crypto callbacks: bench/owf-mdoc.ts)
 *                                 on a sandbox mDL with an OpenID4VP 1.0 handover, which all three read:
 *                                 @owf/mdoc 0.6.0 refuses example1's SessionTranscript (a pre-release
 *                                 handover of four strings) and Annex D's deviceMac ("must use alg 5",
 *                                 which it does)
 *   ratio vs signature floor: N   kakunin's cost per verification over the signature-only cost (example1)
 *   ratio vs signature+key-import floor: N   the same, the floor also importing the holder's device
 *                                 key once per verification (node:crypto validates the point: a cost
 *                                 every verification pays, since nothing about a holder is cached),
 *                                 through kakunin's own coseKeyToKeyObject: a JWK import, node's
 *                                 fastest for P-curves (SPKI DER built from x and y costs more; the
 *                                 figures are in docs/performance.md), so both sides import alike
 */
import { createHmac, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Verifier } from '@auth0/mdl';
import { decodeCbor, type EncodedCbor } from '../src/cbor/index.js';
import { p256FromScalar } from '../src/cli/input.js';
import { coseKeyToKeyObject } from '../src/cose/key.js';
import { parseCoseMac0 } from '../src/cose/mac0.js';
import { parseCoseSign1, toBeSigned } from '../src/cose/sign1.js';
import { deriveEMacKey, deviceAuthenticationBytes } from '../src/mdoc/device-authentication.js';
import { sessionTranscriptForms } from '../src/mdoc/session-transcript.js';
import { verifyDeviceResponse, type VerifyDeviceResponseOptions } from '../src/mdoc/verify.js';
import { loadTrustStore } from '../src/runtime/trust-folder.js';
import { createDeviceResponse, createDocumentSigner, createIaca, issueMdoc, MDL_DOCTYPE, createMdlElements } from '../src/sandbox/index.js';
import { openID4VPSessionTranscript } from '../src/protocols/transcript/index.js';
import { TrustStore } from '../src/trust/store.js';
import { rates as measureRates } from './measure.js';
import { owfVerify } from './owf-mdoc.js';

const V = fileURLToPath(new URL('../test/vectors/', import.meta.url));
const bin = (p: string) => new Uint8Array(readFileSync(V + p));
const hex = (p: string) => new Uint8Array(Buffer.from(readFileSync(V + p, 'utf8').trim(), 'hex'));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

interface Vector {
  name: string;
  response: Uint8Array;
  options: VerifyDeviceResponseOptions;
  auth0: { roots: string[]; transcript: Uint8Array; readerKey?: Uint8Array };
}

const example1: Vector = {
  name: 'auth0 example1 (deviceSignature)',
  response: bin('auth0-mdl-examples/example1_deviceResponse.cbor'),
  options: {
    trust: loadTrustStore([V + 'auth0-mdl-examples/issuer.pem']),
    at: new Date('2025-01-01T00:00:00Z'),
    sessionTranscript: bin('auth0-mdl-examples/example1_encodedSessionTranscript.cbor'),
  },
  auth0: {
    roots: [readFileSync(V + 'auth0-mdl-examples/issuer.pem', 'utf8')],
    transcript: bin('auth0-mdl-examples/example1_encodedSessionTranscript.cbor'),
  },
};

const readerD = Buffer.from(readFileSync(V + 'iso18013-5-annexD-multipaz/ephemeral_reader_key_d.hex', 'utf8').trim(), 'hex');
const annexD: Vector = {
  name: 'ISO 18013-5 Annex D (deviceMac) at 2021-01-07',
  response: hex('iso18013-5-annexD-multipaz/device_response.hex'),
  options: {
    trust: loadTrustStore([V + 'iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem']),
    at: new Date('2021-01-07T00:00:00Z'),
    sessionTranscript: hex('iso18013-5-annexD-multipaz/session_transcript_bytes.hex'),
    readerEphemeralKey: p256FromScalar(readerD),
  },
  auth0: {
    roots: [readFileSync(V + 'iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem', 'utf8')],
    transcript: hex('iso18013-5-annexD-multipaz/session_transcript_bytes.hex'),
    readerKey: readerD,
  },
};

/** An mDL from kakunin's sandbox issuer, device-signed over an OpenID4VP 1.0 SessionTranscript,
 * valid now (@auth0/mdl reads the clock; it takes no verification time). */
async function sandboxVector(): Promise<Vector> {
  const at = new Date();
  const day = 86_400_000;
  const iaca = await createIaca({ country: 'US', notBefore: new Date(at.getTime() - 30 * day) });
  const ds = await createDocumentSigner(iaca, { notBefore: new Date(at.getTime() - 30 * day), notAfter: new Date(at.getTime() + 300 * day) });
  const mdoc = await issueMdoc({
    docType: MDL_DOCTYPE,
    nameSpaces: createMdlElements(undefined, at),
    signer: ds,
    validity: { signed: new Date(at.getTime() - day), validFrom: new Date(at.getTime() - day), validUntil: new Date(at.getTime() + 30 * day) },
  });
  const transcript = openID4VPSessionTranscript({ clientId: 'x509_san_dns:verifier.example', nonce: 'bench-nonce', jwkThumbprint: null, responseUri: 'https://verifier.example/response' });
  return {
    name: 'sandbox mDL, OpenID4VP 1.0 handover (deviceSignature)',
    response: createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] }),
    options: { trust: TrustStore.fromCertificates([iaca.der], { set: 'bench' }), at, sessionTranscript: transcript },
    // @auth0/mdl takes the transcript as SessionTranscriptBytes (#6.24-wrapped), as in its examples.
    auth0: { roots: [iaca.pem], transcript: tag24(transcript) },
  };
}

function tag24(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const head = n < 24 ? [0x40 | n] : n < 256 ? [0x58, n] : n < 65536 ? [0x59, n >> 8, n & 0xff] : [0x5a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return new Uint8Array([0xd8, 0x18, ...head, ...bytes]);
}

/** The shared slice-alternating measurement (bench/measure.ts), with this benchmark's duration and warm-up. */
const rates = (fns: Array<() => unknown>) => measureRates(fns, { seconds: SECONDS, warmMs: 300 });

/**
 * The same public-key operations kakunin must do for one verification, with every input prepared
 * in advance: the issuer's ECDSA over the MSO, and the device's ECDSA (or, for deviceMac, the ECDH +
 * HKDF + HMAC). Certificate chain signatures are excluded: kakunin caches a verified chain.
 */
function signatureFloor(v: Vector, importDeviceKey = false): () => boolean {
  const doc = (decodeCbor(v.response) as Map<string, any>).get('documents')[0];
  const issuerAuth = parseCoseSign1(doc.get('issuerSigned').get('issuerAuth'));
  const x5chain = issuerAuth.unprotectedHeaders.get(33) as Uint8Array | Uint8Array[];
  const dsKey = new X509Certificate(Array.isArray(x5chain) ? x5chain[0] : x5chain).publicKey;
  const issuerData = toBeSigned('Signature1', issuerAuth.protectedBytes, new Uint8Array(0), issuerAuth.payload!);
  const mso = decodeCbor((decodeCbor(issuerAuth.payload!) as EncodedCbor).bytes) as Map<string, any>;
  const coseKey = mso.get('deviceKeyInfo').get('deviceKey');
  const imported = coseKeyToKeyObject(coseKey);
  const deviceKeyOf = importDeviceKey ? () => coseKeyToKeyObject(coseKey) : () => imported;
  const transcript = sessionTranscriptForms(v.options.sessionTranscript!);
  const deviceSigned = doc.get('deviceSigned');
  const dab = deviceAuthenticationBytes(transcript, doc.get('docType'), deviceSigned.get('nameSpaces'));
  const deviceAuth = deviceSigned.get('deviceAuth') as Map<string, unknown>;
  const checkIssuer = () => verify('sha256', issuerData, { key: dsKey, dsaEncoding: 'ieee-p1363' }, issuerAuth.signature);
  if (deviceAuth.has('deviceSignature')) {
    const ds = parseCoseSign1(deviceAuth.get('deviceSignature'));
    const data = toBeSigned('Signature1', ds.protectedBytes, new Uint8Array(0), ds.payload ?? dab);
    return () => checkIssuer() && verify('sha256', data, { key: deviceKeyOf(), dsaEncoding: 'ieee-p1363' }, ds.signature);
  }
  const mac = parseCoseMac0(deviceAuth.get('deviceMac'));
  const macData = toBeSigned('MAC0', mac.protectedBytes, new Uint8Array(0), dab);
  return () => {
    const key = deriveEMacKey(v.options.readerEphemeralKey!, deviceKeyOf(), transcript);
    return checkIssuer() && createHmac('sha256', key).update(macData).digest().equals(mac.tag);
  };
}

async function main(): Promise<void> {
  console.log(`kakunin verification benchmark: node ${process.version}, ${SECONDS} s of CPU time per measurement, rates per CPU second (bench/measure.ts)`);
  let ratioAuth0 = NaN;
  let ratioOwf = NaN;
  let ratioFloor = NaN;
  let ratioImportFloor = NaN;
  const sandbox = await sandboxVector();
  for (const v of [annexD, sandbox, example1]) {
    const result = verifyDeviceResponse(v.response, v.options);
    const failing = result.documents[0].checks.filter((c) => c.status !== 'pass').map((c) => c.check);
    // Sanity: every check ran; the vector's only failure is the documented stricter profile check.
    if (result.documents[0].checks.some((c) => c.status === 'not_run')) throw new Error(`${v.name}: a check did not run`);
    const floorFn = signatureFloor(v);
    const importFloorFn = signatureFloor(v, true);
    if (!floorFn() || !importFloorFn()) throw new Error(`${v.name}: signature floor does not verify`);
    const auth0 = new Verifier(v.auth0.roots);
    const auth0Options = { encodedSessionTranscript: v.auth0.transcript, ephemeralReaderKey: v.auth0.readerKey };

    const withAuth0 = v === example1 || v === sandbox;
    if (withAuth0) await auth0.verify(v.response, auth0Options); // throws if auth0 does not accept it
    // @owf/mdoc on the sandbox vector: it refuses the other two (see the top).
    const withOwf = v === sandbox;
    const owfRoots = v.auth0.roots.map((pem) => new Uint8Array(new X509Certificate(pem).raw));
    const owf = () => owfVerify(v.response, v.auth0.transcript, owfRoots, v.options.at, v.options.readerEphemeralKey);
    if (withOwf) await owf(); // throws if @owf/mdoc does not accept it
    const measured = await rates([
      () => verifyDeviceResponse(v.response, v.options),
      floorFn,
      importFloorFn,
      ...(withAuth0 ? [() => auth0.verify(v.response, auth0Options)] : []),
      ...(withOwf ? [owf] : []),
    ]);
    const [kakuninRate, floorRate, importFloorRate] = measured;
    const auth0Rate = withAuth0 ? measured[3] : NaN;
    const owfRate = withOwf ? measured[withAuth0 ? 4 : 3] : NaN;
    console.log(`\n${v.name}${failing.length ? ` (checks failing by design: ${failing.join(', ')})` : ''}`);
    console.log(`  kakunin          ${kakuninRate.toFixed(0).padStart(8)} verifications/s  ${(1e6 / kakuninRate).toFixed(1)} µs each`);
    if (!Number.isNaN(auth0Rate)) console.log(`  @auth0/mdl       ${auth0Rate.toFixed(0).padStart(8)} verifications/s  ${(1e6 / auth0Rate).toFixed(1)} µs each`);
    if (!Number.isNaN(owfRate)) console.log(`  @owf/mdoc        ${owfRate.toFixed(0).padStart(8)} verifications/s  ${(1e6 / owfRate).toFixed(1)} µs each`);
    console.log(`  signatures only  ${floorRate.toFixed(0).padStart(8)} /s                ${(1e6 / floorRate).toFixed(1)} µs each`);
    console.log(`  signatures + device-key import ${importFloorRate.toFixed(0).padStart(8)} /s  ${(1e6 / importFloorRate).toFixed(1)} µs each`);
    console.log(`  kakunin cost / signature-only cost: ${(floorRate / kakuninRate).toFixed(2)}`);
    console.log(`  kakunin cost / signature+key-import cost: ${(importFloorRate / kakuninRate).toFixed(2)}`);
    if (withOwf) ratioOwf = kakuninRate / owfRate;
    if (v === example1) {
      ratioAuth0 = kakuninRate / auth0Rate;
      ratioFloor = floorRate / kakuninRate;
      ratioImportFloor = importFloorRate / kakuninRate;
    }
  }
  console.log('');
  console.log(`ratio vs @auth0/mdl: ${ratioAuth0.toFixed(2)}`);
  console.log(`ratio vs @owf/mdoc: ${ratioOwf.toFixed(2)}`);
  console.log(`ratio vs signature floor: ${ratioFloor.toFixed(2)}`);
  console.log(`ratio vs signature+key-import floor: ${ratioImportFloor.toFixed(2)}`);
}

await main();
