/**
 * WalletProtocols on top of src/protocols/: one session offers three ways to answer, all bound to
 * the same nonce and to keys made for this session only:
 *   - OpenID4VP 1.0 by QR / redirect: request_uri -> signed request object, direct_post.jwt;
 *   - DC API `openid4vp-v1-signed` (Google Wallet, Chrome): signed request, dc_api.jwt;
 *   - DC API `org-iso-mdoc` (Apple Wallet, Safari; ISO 18013-7 Annex C): DeviceRequest with
 *     readerAuth, HPKE-encrypted DeviceResponse.
 * The SessionTranscript is always rebuilt from what this side sent, never taken from the wallet.
 * Private keys are kept in the session as JWK (the session store is the only place they live).
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { VerificationResult } from '../mdoc/result.js';
import type { DocumentAsk } from '../policy/index.js';
import { createEncryptionInfo } from '../protocols/dcapi/encryption-info.js';
import { openAnnexCResponse } from '../protocols/dcapi/open-annex-c.js';
import { b64u, ProtocolError } from '../protocols/errors.js';
import { clientIdFor, type VerifierIdentity } from '../protocols/keys/verifier-identity.js';
import { decryptAuthorizationResponse, parseVpToken } from '../protocols/oid4vp/authorization-response.js';
import { createResponseEncryptionKey, type ResponseEncryptionJwk } from '../protocols/oid4vp/encryption-key.js';
import { authorizationRequestObject, signRequestObject } from '../protocols/oid4vp/request-object.js';
import { createDeviceRequest } from '../protocols/request/device-request.js';
import { checkRequestedElements } from '../protocols/request/element-check.js';
import type { PresentationRequest, RequestedDocument } from '../protocols/request/presentation-request.js';
import { dcapiSessionTranscript, jwkThumbprint, openID4VPDCAPISessionTranscript, openID4VPSessionTranscript } from '../protocols/transcript/index.js';
import type { OpenedResponse, PrepareInput, PreparedRequest, WalletProtocols } from './wallet-protocols.js';

const DOC_ALIAS: Record<string, string> = { 'org.iso.23220.1.jp.mnc': 'mnc', 'org.iso.18013.5.1.mDL': 'mdl' };

/**
 * DCQL request: one credential query per (document, claim set), primary sets of every document
 * first, so the wallet's first satisfiable option is the most minimal one it can give.
 */
export function dcqlRequest(documents: DocumentAsk[]): PresentationRequest {
  const depth = Math.max(...documents.map((d) => d.claimSets.length));
  const out: RequestedDocument[] = [];
  for (let i = 0; i < depth; i++) {
    documents.forEach((d, j) => {
      const set = d.claimSets[i];
      if (!set) return;
      out.push({ id: `${DOC_ALIAS[d.docType] ?? `doc${j}`}${i === 0 ? '' : `_${i}`}`, docType: d.docType, elements: set.map(toRequested) });
    });
  }
  return { documents: out };
}

/** ISO DeviceRequest (no alternatives): each document's primary claim set. */
export function isoRequest(documents: DocumentAsk[]): PresentationRequest {
  return {
    documents: documents.map((d, j) => ({ id: DOC_ALIAS[d.docType] ?? `doc${j}`, docType: d.docType, elements: d.claimSets[0].map(toRequested) })),
  };
}

function toRequested(e: { namespace: string; identifier: string; intentToRetain: boolean }) {
  return { nameSpace: e.namespace, elementIdentifier: e.identifier, intentToRetain: e.intentToRetain };
}

interface Secrets {
  nonce: string;
  clientId: string;
  responseUri: string;
  origin: string;
  /** Response encryption key (OpenID4VP, both flows): private JWK, and the public JWK as sent. */
  encPrivate: JsonWebKey;
  encPublic: ResponseEncryptionJwk;
  /** Annex C: the encryptionInfo string as sent and the HPKE recipient key. */
  annexCEncryptionInfo: string;
  annexCPrivate: JsonWebKey;
  dcql: PresentationRequest;
  iso: PresentationRequest;
}

const toJwk = (k: KeyObject): JsonWebKey => k.export({ format: 'jwk' });
const fromJwk = (jwk: JsonWebKey): KeyObject => createPrivateKey({ key: jwk, format: 'jwk' });

export interface ProtocolAdapterOptions {
  identity: VerifierIdentity;
  now: () => Date;
}

export function createProtocolAdapter({ identity, now }: ProtocolAdapterOptions): WalletProtocols {
  const clientId = clientIdFor(identity, 'x509_hash');

  return {
    async prepare(input: PrepareInput): Promise<PreparedRequest> {
      const nonce = randomBytes(32).toString('base64url');
      const enc = createResponseEncryptionKey();
      const dcql = dcqlRequest(input.documents);
      const iso = isoRequest(input.documents);

      // Annex C: its own HPKE key and nonce bytes; readerAuth signs the transcript the wallet will rebuild.
      const hpke = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const encryptionInfo = createEncryptionInfo(Buffer.from(nonce, 'base64url'), hpke.publicKey);
      const annexCTranscript = dcapiSessionTranscript({ encryptionInfo: encryptionInfo.encoded, origin: input.origin });
      const deviceRequest = createDeviceRequest(iso, annexCTranscript, identity);

      const dcApiJar = await signRequestObject(
        authorizationRequestObject({ request: dcql, nonce, responseMode: 'dc_api.jwt', encryptionJwk: enc.publicJwk, clientId, expectedOrigins: [input.origin] }),
        identity,
        Math.floor(now().getTime() / 1000),
      );
      const secrets: Secrets = {
        nonce,
        clientId,
        responseUri: input.responseUri,
        origin: input.origin,
        encPrivate: toJwk(enc.privateKey),
        encPublic: enc.publicJwk,
        annexCEncryptionInfo: encryptionInfo.encoded,
        annexCPrivate: toJwk(hpke.privateKey),
        dcql,
        iso,
      };
      const qrUri = `openid4vp://?client_id=${encodeURIComponent(clientId)}&request_uri=${encodeURIComponent(input.requestUri)}`;
      return {
        secrets: secrets as unknown as Record<string, unknown>,
        qrUri,
        dcapi: {
          digital: {
            requests: [
              { protocol: 'org-iso-mdoc', data: { deviceRequest: b64u(deviceRequest), encryptionInfo: encryptionInfo.encoded } },
              { protocol: 'openid4vp-v1-signed', data: { request: dcApiJar } },
            ],
          },
        },
      };
    },

    async requestObject(raw, walletPost): Promise<string> {
      const s = raw as unknown as Secrets;
      const claims = authorizationRequestObject({
        request: s.dcql,
        nonce: s.nonce,
        responseMode: 'direct_post.jwt',
        encryptionJwk: s.encPublic,
        clientId: s.clientId,
        responseUri: s.responseUri,
      });
      // OpenID4VP 1.0 §5.10: a request fetched by POST with wallet_nonce must echo it.
      const withNonce = walletPost?.walletNonce ? { ...claims, wallet_nonce: walletPost.walletNonce } : claims;
      return signRequestObject(withNonce, identity, Math.floor(now().getTime() / 1000));
    },

    async openDirectPost(raw, form): Promise<OpenedResponse> {
      const s = raw as unknown as Secrets;
      const payload = await decryptAuthorizationResponse(form.response, { privateKey: fromJwk(s.encPrivate), kid: s.encPublic.kid });
      const { deviceResponse, answered } = pickVpToken(payload, s.dcql);
      const sessionTranscript = openID4VPSessionTranscript({
        clientId: s.clientId,
        nonce: s.nonce,
        jwkThumbprint: jwkThumbprint(s.encPublic),
        responseUri: s.responseUri,
      });
      return { deviceResponse, sessionTranscript, checkElements: (r) => checkRequestedElements(r, s.dcql, [answered]) };
    },

    async openDcapi(raw, credential): Promise<OpenedResponse> {
      const s = raw as unknown as Secrets;
      if (credential.protocol === 'org-iso-mdoc') {
        const opened = await openAnnexCResponse(credential.data, {
          encryptionInfo: s.annexCEncryptionInfo,
          origin: s.origin,
          recipientPrivateKey: fromJwk(s.annexCPrivate),
        });
        return { ...opened, checkElements: (r) => checkRequestedElements(r, s.iso) };
      }
      if (credential.protocol === 'openid4vp-v1-signed') {
        const data = credential.data as { response?: unknown } | undefined;
        if (!data || typeof data !== 'object' || typeof data.response !== 'string') {
          throw new ProtocolError('RESPONSE_MALFORMED', 'dc_api.jwt data must be {response: JWE}');
        }
        const payload = await decryptAuthorizationResponse(data.response, { privateKey: fromJwk(s.encPrivate), kid: s.encPublic.kid });
        const { deviceResponse, answered } = pickVpToken(payload, s.dcql);
        const sessionTranscript = openID4VPDCAPISessionTranscript({ origin: s.origin, nonce: s.nonce, jwkThumbprint: jwkThumbprint(s.encPublic) });
        return { deviceResponse, sessionTranscript, checkElements: (r) => checkRequestedElements(r, s.dcql, [answered]) };
      }
      throw new ProtocolError('PROTOCOL_UNSUPPORTED', `protocol ${credential.protocol.slice(0, 64)} was not offered`);
    },
  };
}

/** The one vp_token entry that answers a credential query of ours, and its single DeviceResponse. */
function pickVpToken(payload: Record<string, unknown>, request: PresentationRequest): { deviceResponse: Uint8Array; answered: RequestedDocument } {
  const token = parseVpToken(payload);
  for (const doc of request.documents) {
    const presentations = token.get(doc.id);
    if (!presentations) continue;
    if (presentations.length !== 1) throw new ProtocolError('RESPONSE_MALFORMED', `vp_token.${doc.id} must hold exactly one presentation`);
    return { deviceResponse: presentations[0], answered: doc };
  }
  throw new ProtocolError('RESPONSE_MALFORMED', 'vp_token answers none of the credential queries of this request');
}

export type { VerificationResult };
