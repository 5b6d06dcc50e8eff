/**
 * Apple's integrator test IDs. Apple Wallet lets developers add a test mDL with mock data ("Kelly
 * Garcia") that presents over the Digital Credentials API like a real one: the device signs the
 * session with a real key, but no issuer signed the MSO. Its issuerAuth carries an empty x5chain and
 * a signature of zero bytes, and its MSO lists Apple's developer-test namespace (seen in the capture
 * in test/vectors/apple-wallet-dcapi-test-mdl-unsigned-multipaz).
 *
 * Such a document never verifies: issuer authentication fails as for any unsigned MSO. Only when a
 * caller asks for test IDs (VerifyDeviceResponseOptions.testIds, which the service allows in sandbox mode only) are
 * its digest-matched values reported, apart from the issuer-signed ones, so an integrator can run a
 * flow end to end before going live.
 */
import { COSE_ALG } from '../cose/algorithms.js';
import { HEADER, type CoseSign1 } from '../cose/sign1.js';
import type { MobileSecurityObject } from './mso.js';
import type { TestIdResult } from './result.js';

export const APPLE_TEST_ID_NAMESPACE = 'com.apple.identity-presentment.developer-test';

export const APPLE_TEST_ID: Omit<TestIdResult, 'elements'> = { kind: 'apple', label: 'Apple test ID (not an identity)' };

/** The length of a signature of each algorithm whose length the identifier fixes (r || s for ECDSA). */
const SIGNATURE_LENGTH = new Map<number, number>([
  [COSE_ALG.ES256, 64],
  [COSE_ALG.ESP256, 64],
  [COSE_ALG.ES384, 96],
  [COSE_ALG.ESP384, 96],
  [COSE_ALG.ES512, 132],
  [COSE_ALG.ESP512, 132],
  [COSE_ALG.Ed25519, 64],
  [COSE_ALG.Ed448, 114],
]);

/**
 * The shape of an Apple test ID, all three marks together: no certificate, a signature that is all
 * zero bytes of exactly the length the protected alg gives a signature (64 for ES256, as in the
 * capture; no signer made it), and the developer-test namespace in the MSO. A real issuer's
 * document can have none of them; an attacker can forge all of them, which is why a test ID is
 * never an identity and why only sandbox mode accepts it.
 */
export function isAppleTestId(issuerAuth: CoseSign1 | undefined, x5chain: Uint8Array[], mso: MobileSecurityObject | undefined): boolean {
  if (!issuerAuth || !mso || x5chain.length > 0) return false;
  const alg = issuerAuth.protectedHeaders.get(HEADER.alg);
  if (typeof alg !== 'number' || issuerAuth.signature.length !== SIGNATURE_LENGTH.get(alg) || issuerAuth.signature.some((b) => b !== 0)) return false;
  return mso.valueDigests.has(APPLE_TEST_ID_NAMESPACE);
}
