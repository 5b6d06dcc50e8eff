/**
 * The wallet of `kakunin demo` and of the service tests: holds a sandbox My Number Card and mDL,
 * issued under a sandbox IACA that only sandbox mode trusts, and answers the service's requests the
 * way a real wallet does: OpenID4VP by request_uri + direct_post.jwt, or the DC API
 * (openid4vp-v1-signed, dc_api.jwt). It discloses exactly what the DCQL query asks, taking the first
 * credential query it can satisfy, as the wallet's rules in OpenID4VP 1.0 §6.4 say.
 */
import { CompactEncrypt, decodeJwt, importJWK, type JWK } from 'jose';
import { createDeviceResponse, createDocumentSigner, createIaca, issueMdoc, mdlElements, myNumberCardElements, x5chainFor, type IssuedMdoc, type SandboxCa } from '../sandbox/index.js';
import { jwkThumbprint, openID4VPDCAPISessionTranscript, openID4VPSessionTranscript } from '../protocols/transcript/index.js';
import type { DcqlQuery } from '../protocols/request/dcql.js';

interface RequestClaims {
  client_id?: string;
  nonce: string;
  response_uri?: string;
  response_mode: string;
  dcql_query: DcqlQuery;
  client_metadata: { jwks: { keys: JWK[] } };
  expected_origins?: string[];
}

export class DemoWallet {
  private constructor(
    readonly iaca: SandboxCa,
    private readonly documents: IssuedMdoc[],
  ) {}

  /** A fresh IACA, document signer and two documents valid around `at`. */
  static async create(at: Date, options: { birthDate?: string; localGovCode?: string } = {}): Promise<DemoWallet> {
    const DAY = 86_400_000;
    const iaca = await createIaca({ commonName: 'kakunin sandbox IACA', notBefore: new Date(at.getTime() - DAY), notAfter: new Date(at.getTime() + 400 * DAY) });
    const ds = await createDocumentSigner(iaca);
    const validity = { signed: new Date(at.getTime() - 60_000), validFrom: new Date(at.getTime() - 60_000), validUntil: new Date(at.getTime() + 90 * DAY) };
    const chain = x5chainFor(ds, iaca);
    const person = {
      birthDate: options.birthDate ?? '1990-04-01',
      sex: 2,
      fullName: '確認 花子',
      residentAddress: '東京都千代田区千代田1-1',
      localGovCode: options.localGovCode ?? '131016',
      individualNumber: '123456789018',
    };
    const mnc = await issueMdoc({ docType: 'org.iso.23220.1.jp.mnc', nameSpaces: myNumberCardElements(person, at), signer: ds, chain, validity });
    const mdl = await issueMdoc({ docType: 'org.iso.18013.5.1.mDL', nameSpaces: mdlElements(undefined, at, [18, 20, 21]), signer: ds, chain, validity });
    return new DemoWallet(iaca, [mnc, mdl]);
  }

  /** Scans a QR link (openid4vp://?client_id&request_uri), fetches the request, answers it. */
  async answerQr(uri: string, fetchImpl: typeof fetch = fetch): Promise<Response> {
    const url = new URL(uri);
    const requestUri = url.searchParams.get('request_uri');
    if (!requestUri) throw new Error('the QR link has no request_uri');
    const res = await fetchImpl(requestUri);
    if (!res.ok) throw new Error(`request_uri answered ${res.status}`);
    const claims = decodeJwt(await res.text()) as unknown as RequestClaims;
    if (claims.response_mode !== 'direct_post.jwt' || !claims.response_uri || !claims.client_id) throw new Error('not a direct_post.jwt request');
    if (claims.client_id !== url.searchParams.get('client_id')) throw new Error('client_id of the QR and of the request differ');
    const encKey = claims.client_metadata.jwks.keys[0];
    const transcript = openID4VPSessionTranscript({
      clientId: claims.client_id,
      nonce: claims.nonce,
      jwkThumbprint: jwkThumbprint(encKey as never),
      responseUri: claims.response_uri,
    });
    const response = await this.encryptedVpToken(claims, transcript);
    return fetchImpl(claims.response_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ response }).toString(),
    });
  }

  /** What navigator.credentials.get resolves to, for a call made from `origin`. */
  async answerDcapi(argument: unknown, origin: string): Promise<{ protocol: string; data: { response: string } }> {
    const requests = (argument as { digital?: { requests?: { protocol: string; data: { request?: string } }[] } }).digital?.requests ?? [];
    const signed = requests.find((r) => r.protocol === 'openid4vp-v1-signed');
    if (!signed?.data.request) throw new Error('no openid4vp-v1-signed request offered');
    const claims = decodeJwt(signed.data.request) as unknown as RequestClaims;
    if (claims.expected_origins && !claims.expected_origins.includes(origin)) throw new Error('this origin is not an expected origin');
    const encKey = claims.client_metadata.jwks.keys[0];
    const transcript = openID4VPDCAPISessionTranscript({ origin, nonce: claims.nonce, jwkThumbprint: jwkThumbprint(encKey as never) });
    return { protocol: 'openid4vp-v1-signed', data: { response: await this.encryptedVpToken(claims, transcript) } };
  }

  private async encryptedVpToken(claims: RequestClaims, sessionTranscript: Uint8Array): Promise<string> {
    const vpToken: Record<string, string[]> = {};
    for (const query of claims.dcql_query.credentials) {
      const mdoc = this.documents.find((d) => d.docType === query.meta.doctype_value);
      if (!mdoc) continue;
      const disclose: Record<string, string[]> = {};
      let complete = true;
      for (const claim of query.claims) {
        const [ns, id] = claim.path;
        if (!(mdoc.items.get(ns) ?? []).some((i) => i.elementIdentifier === id)) complete = false;
        (disclose[ns] ??= []).push(id);
      }
      if (!complete) continue;
      const bytes = createDeviceResponse({ sessionTranscript, documents: [{ mdoc, disclose, deviceAuth: { kind: 'signature' } }] });
      vpToken[query.id] = [Buffer.from(bytes).toString('base64url')];
      break;
    }
    if (Object.keys(vpToken).length === 0) throw new Error('the demo wallet holds no document that answers this request');
    const jwk = claims.client_metadata.jwks.keys[0];
    const key = await importJWK(jwk, 'ECDH-ES');
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ vp_token: vpToken })))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', ...(jwk.kid ? { kid: jwk.kid } : {}) })
      .encrypt(key);
  }
}
