/**
 * The signed receipt: a compact JWS (ES256) over the decision and nothing more, so a merchant's
 * backend can keep proof of the check without keeping personal data it did not ask for. The public
 * key is served at /.well-known/jwks.json. Several instances must share one key (RECEIPT_KEY_FILE);
 * without one, each process makes its own and says so at start.
 */
import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { Jwk } from '../../cose/jwk.js';
import { readFileSync } from 'node:fs';
import { newKeyPair } from '../../cose/key-pair.js';
import { compactVerify, type JWK } from 'jose';
import { signCompactJws } from '../../protocols/keys/jws-sign.js';
import { kycRecord, type KycRecord } from './kyc-record.js';
import type { Decision } from '../../policy/index.js';
import { jwkThumbprint } from '../../cose/jwk-thumbprint.js';
import { KakuninError } from '../../codes/error.js';

export const RECEIPT_TYP = 'kakunin-receipt+jwt';

/** Default freshness of a receipt: an hour, time for a webhook's retries and a merchant's check. */
export const RECEIPT_TTL_SECONDS = 3600;

export interface ReceiptClaims {
  iss: string;
  /** The verification id. */
  sub: string;
  /** The API client that created the verification (its receipt_audience). */
  aud: string;
  jti: string;
  iat: number;
  /** After this the receipt is no longer fresh evidence (the merchant keeps it as a record). */
  exp: number;
  purpose: string;
  outcome: Decision['outcome'];
  decision?: Record<string, unknown>;
  doc_type?: string;
  /** `anchor` (the trust anchor's name) in account_match receipts. */
  issuer?: { subject: string; country?: string; trust_set?: string; anchor?: string };
  /**
   * account_match receipts: how the answer came (`dc_api:<protocol>` or `openid4vp`) and the web
   * origin the Digital Credentials API request was bound to: the evidence that no other page relayed it.
   */
  channel?: string;
  origin?: string;
  /** Accepted under KAKUNIN_REVOCATION=warn without a current revocation answer. */
  revocation?: 'unavailable';
  /** An integrator test ID answered (outcome `test`): not an identity. */
  test?: true;
  /** Identity checks (attributes): the items of the 確認記録 kakunin can attest (kyc-record.ts). */
  kyc_record?: KycRecord;
  failure_codes: string[];
}

export class ReceiptSigner {
  readonly kid: string;
  readonly publicJwk: JWK;

  constructor(
    private readonly privateKey: KeyObject,
    readonly issuer: string,
    /** Seconds a receipt is fresh evidence (exp - iat). */
    readonly ttlSeconds = RECEIPT_TTL_SECONDS,
  ) {
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new KakuninError('KEY_INVALID', 'the receipt key must be an EC P-256 private key');
    // RFC 7638 thumbprint as kid, so the kid changes exactly when the key does.
    this.kid = Buffer.from(jwkThumbprint(jwk as Jwk)).toString('base64url');
    this.publicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: this.kid, use: 'sig', alg: 'ES256' };
  }

  static fromPemFile(path: string, issuer: string, ttlSeconds?: number): ReceiptSigner {
    return new ReceiptSigner(createPrivateKey(readFileSync(path)), issuer, ttlSeconds);
  }

  static ephemeral(issuer: string, ttlSeconds?: number): ReceiptSigner {
    return new ReceiptSigner(newKeyPair('P-256').privateKey, issuer, ttlSeconds);
  }

  /**
   * A 32-byte secret derived from the receipt key (HKDF-SHA-256, `info` keeps each use apart): a key
   * every instance already shares and an operator already guards, for the keyed hashes receipts
   * carry (the audience). It changes when the receipt key does.
   */
  deriveSecret(info: string): Buffer {
    const der = this.privateKey.export({ format: 'der', type: 'pkcs8' });
    return Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), `kakunin ${info}`, 32));
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async sign(verificationId: string, decision: Decision, at: Date, audience: string, answeredBy?: AnsweredBy): Promise<string> {
    const claims = receiptClaims(this.issuer, verificationId, decision, at, audience, this.ttlSeconds, answeredBy);
    return signCompactJws({ alg: 'ES256', kid: this.kid, typ: RECEIPT_TYP }, JSON.stringify(claims), this.privateKey);
  }

  /** For tests and the merchant demo: checks a receipt against this signer's public key. */
  async verify(receipt: string): Promise<ReceiptClaims> {
    const { payload, protectedHeader } = await compactVerify(receipt, createPublicKey(this.privateKey), { algorithms: ['ES256'] });
    if (protectedHeader.typ !== RECEIPT_TYP) throw new KakuninError('INVALID_ARGUMENT', 'not a kakunin receipt');
    return JSON.parse(new TextDecoder().decode(payload)) as ReceiptClaims;
  }
}

/** The channel an answer came by and the origin its request was bound to. */
export interface AnsweredBy {
  channel: string;
  origin?: string;
}

export function receiptClaims(iss: string, id: string, decision: Decision, at: Date, aud: string, ttlSeconds = RECEIPT_TTL_SECONDS, answeredBy?: AnsweredBy): ReceiptClaims {
  const value = decision.value;
  const accountMatch = value?.kind === 'account_match';
  let reported: Record<string, unknown> | undefined;
  if (value?.kind === 'age_over') reported = { over: value.over, threshold: value.threshold };
  else if (value?.kind === 'residency') reported = { resident: value.resident, municipalities: value.municipalities, ...(value.code ? { code: value.code } : {}) };
  else if (value?.kind === 'attributes') reported = { ...value.attributes };
  // The comparison only: the account id is the merchant's own, the fields say match / variant / mismatch.
  else if (value?.kind === 'account_match') {
    reported = {
      account: value.account,
      match: value.match,
      fields: value.fields,
      ...(value.same_credential !== undefined ? { same_credential: value.same_credential } : {}),
      ...(value.binding ? { binding: value.binding } : {}),
    };
  }
  return {
    iss,
    sub: id,
    aud,
    jti: id,
    iat: Math.floor(at.getTime() / 1000),
    exp: Math.floor(at.getTime() / 1000) + ttlSeconds,
    purpose: decision.purpose,
    outcome: decision.outcome,
    ...(reported ? { decision: reported } : {}),
    ...(decision.docType ? { doc_type: decision.docType } : {}),
    ...(decision.issuer
      ? {
          issuer: {
            subject: decision.issuer.subject,
            ...(decision.issuer.country ? { country: decision.issuer.country } : {}),
            ...(decision.issuer.trustSet ? { trust_set: decision.issuer.trustSet } : {}),
            ...(accountMatch && decision.issuer.anchor ? { anchor: decision.issuer.anchor } : {}),
          },
        }
      : {}),
    ...(accountMatch && answeredBy ? { channel: answeredBy.channel, ...(answeredBy.origin ? { origin: answeredBy.origin } : {}) } : {}),
    ...(decision.revocation ? { revocation: decision.revocation } : {}),
    // A receipt for a test ID says so in a claim of its own, for code that reads no further.
    ...(decision.outcome === 'test' ? { test: true } : {}),
    ...(value?.kind === 'attributes' && decision.outcome === 'verified' ? { kyc_record: kycRecord(id, decision, at) } : {}),
    failure_codes: decision.failureCodes,
  };
}
