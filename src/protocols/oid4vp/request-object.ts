/**
 * OpenID4VP 1.0 Authorization Request for mso_mdoc, as a signed Request Object (JAR, RFC 9101):
 * JOSE header typ oauth-authz-req+jwt, alg from the key, x5c = the verifier's chain without the
 * anchor (HAIP 1.0). Used for the redirect/QR flow (direct_post.jwt, fetched via request_uri) and
 * for openid4vp-v1-signed over the DC API (dc_api.jwt, with expected_origins); and, signed under
 * several identities at once (JWS JSON Serialization, §A.3.2), for openid4vp-v1-multisigned.
 */
import type { KeyObject } from 'node:crypto';
import { GeneralSign, type GeneralJWS } from 'jose';
import { KakuninError } from '../../codes/error.js';
import { signCompactJws } from '../keys/jws-sign.js';
import type { VerifierIdentity } from '../keys/verifier-identity.js';
import { toDcqlQuery, type DcqlQuery } from '../request/dcql.js';
import type { PresentationRequest } from '../request/presentation-request.js';
import { ENCRYPTED_RESPONSE_ENC_VALUES, type ResponseEncryptionJwk } from './encryption-key.js';

export type ResponseMode = 'direct_post.jwt' | 'dc_api.jwt';

export interface AuthorizationRequestOptions {
  request: PresentationRequest;
  nonce: string;
  responseMode: ResponseMode;
  encryptionJwk: ResponseEncryptionJwk;
  /** Required for signed requests; omitted from unsigned DC API requests (§A.2). */
  clientId?: string;
  /** direct_post.jwt only. */
  responseUri?: string;
  /** direct_post.jwt: lets the frontend match the response to its session. */
  state?: string;
  /** DC API signed requests only. */
  expectedOrigins?: string[];
  /** Attestations about the verifier (§5.1 verifier_info), for wallets that ask for them. */
  verifierInfo?: VerifierInfo[];
  /**
   * Google Wallet's relying-party metadata as Google gave it (base64url), sent as
   * client_metadata.gw_rp_metadata_bytes. Where Google reads it is not published: this follows one
   * public verifier (docs/verifier-certificates.md).
   */
  googleRpMetadata?: string;
}

/**
 * One attestation about the verifier (OpenID4VP 1.0 §5.1 `verifier_info`), e.g. an EU registration
 * certificate: `format` names what `data` is; `credential_ids` the DCQL credential queries it is for.
 */
export interface VerifierInfo {
  format: string;
  data: string | Record<string, unknown>;
  credential_ids?: string[];
}

export interface AuthorizationRequestObject {
  response_type: 'vp_token';
  response_mode: ResponseMode;
  nonce: string;
  dcql_query: DcqlQuery;
  client_metadata: {
    jwks: { keys: ResponseEncryptionJwk[] };
    encrypted_response_enc_values_supported: string[];
    vp_formats_supported: { mso_mdoc: Record<string, number[]> };
    gw_rp_metadata_bytes?: string;
  };
  client_id?: string;
  response_uri?: string;
  state?: string;
  expected_origins?: string[];
  verifier_info?: VerifierInfo[];
  aud?: string;
  iat?: number;
}

/** COSE algorithm identifiers we verify: ES256/384/512, EdDSA (issuerAuth), plus deviceMac on P-256. */
const MDOC_ALGS = { issuerauth_alg_values: [-7, -35, -36, -8], deviceauth_alg_values: [-7, -35, -36, -8, -65537] };

export function authorizationRequestObject(input: AuthorizationRequestOptions): AuthorizationRequestObject {
  const o: AuthorizationRequestObject = {
    response_type: 'vp_token',
    response_mode: input.responseMode,
    nonce: input.nonce,
    dcql_query: toDcqlQuery(input.request),
    client_metadata: {
      jwks: { keys: [input.encryptionJwk] },
      encrypted_response_enc_values_supported: [...ENCRYPTED_RESPONSE_ENC_VALUES],
      vp_formats_supported: { mso_mdoc: MDOC_ALGS },
    },
  };
  if (input.clientId) o.client_id = input.clientId;
  if (input.responseMode === 'direct_post.jwt') {
    if (!input.responseUri) throw new KakuninError('INVALID_ARGUMENT', 'direct_post.jwt needs a response_uri');
    o.response_uri = input.responseUri;
    if (input.state) o.state = input.state;
  }
  if (input.expectedOrigins?.length) o.expected_origins = input.expectedOrigins;
  if (input.verifierInfo?.length) o.verifier_info = input.verifierInfo;
  if (input.googleRpMetadata) o.client_metadata.gw_rp_metadata_bytes = input.googleRpMetadata;
  return o;
}

function joseAlg(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  const crv = key.asymmetricKeyDetails?.namedCurve;
  if (crv === 'prime256v1') return 'ES256';
  if (crv === 'secp384r1') return 'ES384';
  if (crv === 'secp521r1') return 'ES512';
  throw new KakuninError('INVALID_ARGUMENT', `cannot sign a request object with a ${String(crv ?? key.asymmetricKeyType)} key`);
}

/** Signs the Request Object. `iat` is passed in (seconds) so callers control time. */
export async function signRequestObject(claims: AuthorizationRequestObject, identity: VerifierIdentity, iat: number): Promise<string> {
  if (!claims.client_id) throw new KakuninError('INVALID_ARGUMENT', 'a signed request object needs client_id');
  const payload: Record<string, unknown> = { ...claims, iat };
  // §5.8: static discovery (no wallet metadata fetched) uses the symbolic audience.
  if (claims.response_mode === 'direct_post.jwt') payload.aud = 'https://self-issued.me/v2';
  const header = { alg: joseAlg(identity.privateKey), typ: 'oauth-authz-req+jwt', x5c: identity.x5chain.map((c) => Buffer.from(c).toString('base64')) };
  return signCompactJws(header, JSON.stringify(payload), identity.privateKey);
}

/** A signer of a multi-signed request: its identity and the client_id it signs as (and its own verifier_info). */
export interface RequestSigner {
  identity: VerifierIdentity;
  clientId: string;
  verifierInfo?: VerifierInfo[];
}

/**
 * The Request Object signed by each signer (JWS JSON Serialization, general syntax: OpenID4VP 1.0
 * §A.3.2): `client_id` and `verifier_info` go only into each signature's protected header, every
 * other parameter into the one payload they all sign. A wallet authenticates the verifier under
 * whichever client identifier (trust framework) it knows.
 */
export async function signMultiSignedRequestObject(claims: AuthorizationRequestObject, signers: RequestSigner[], iat: number): Promise<GeneralJWS> {
  if (signers.length === 0) throw new KakuninError('INVALID_ARGUMENT', 'a multi-signed request object needs at least one signer');
  const { client_id: _clientId, verifier_info: _verifierInfo, ...rest } = claims;
  const jws = new GeneralSign(new TextEncoder().encode(JSON.stringify({ ...rest, iat })));
  for (const signer of signers) {
    jws.addSignature(signer.identity.privateKey).setProtectedHeader({
      alg: joseAlg(signer.identity.privateKey),
      typ: 'oauth-authz-req+jwt',
      x5c: signer.identity.x5chain.map((c) => Buffer.from(c).toString('base64')),
      client_id: signer.clientId,
      ...(signer.verifierInfo?.length ? { verifier_info: signer.verifierInfo } : {}),
    });
  }
  return jws.sign();
}
