/**
 * WalletProtocols on the protocol layer's flows (src/protocols/). One session offers three ways to
 * answer, each a flow with its own request state (nonce, ephemeral keys) in the RequestStateStore:
 *   - OpenID4VP 1.0 by QR / redirect: createOpenID4VPRequest, getRequestObject, receiveDirectPost;
 *   - DC API `org-iso-mdoc` (Apple Wallet, Safari; ISO 18013-7 Annex C) and
 *   - DC API `openid4vp-v1-signed` (Google Wallet, Chrome): createDigitalCredentialRequest,
 *     receiveDigitalCredentialResponse.
 * The flows rebuild the SessionTranscript from what was sent, check the elements against what was
 * asked, and use a request state once (a replayed answer gets NONCE_REPLAYED, on any instance
 * sharing the store). A purpose becomes each protocol's PresentationRequest by the policy layer's
 * buildPresentationRequest: DCQL takes the claim sets as alternatives, a DeviceRequest the first only.
 */
import { buildPresentationRequest } from '../../policy/presentation-request.js';
import { createDigitalCredentialRequest, type DcApiProtocol } from '../../protocols/dcapi/digital-credential-request.js';
import { receiveDigitalCredentialResponse } from '../../protocols/dcapi/digital-credential-response.js';
import { ProtocolError, WalletErrorResponse } from '../../protocols/errors.js';
import type { VerifierIdentity } from '../../protocols/keys/verifier-identity.js';
import { createOpenID4VPRequest, getRequestObject, receiveDirectPost } from '../../protocols/oid4vp/redirect-flow.js';
import type { VerifierInfo } from '../../protocols/oid4vp/request-object.js';
import type { PresentationRequest } from '../../protocols/request/presentation-request.js';
import { anyOneOf } from '../../protocols/request/device-request.js';
import type { RequestStateStore } from '../../protocols/state/request-state-store.js';
import type { AnsweredResult, PrepareDcApiOptions, PrepareOptions, PreparedDcApi, PreparedRequest, RequestRefs, WalletErrorAnswer, WalletProtocols } from './wallet-protocols.js';

/** The wallet's error response is an answer (a refusal), not an answer that failed to open. */
async function orWalletError(received: Promise<AnsweredResult>): Promise<AnsweredResult | WalletErrorAnswer> {
  try {
    return await received;
  } catch (e) {
    if (e instanceof WalletErrorResponse) return { walletError: e.error };
    throw e;
  }
}

export interface ProtocolAdapterOptions {
  identity: VerifierIdentity;
  /** Certificates of other trust frameworks that also sign the DC API OpenID4VP request: with any,
   * it is offered as openid4vp-v1-multisigned instead of -signed. */
  additionalIdentities?: VerifierIdentity[];
  /** OpenID4VP verifier_info (off unless configured): in every OpenID4VP request object. */
  verifierInfo?: VerifierInfo[];
  /** Google Wallet's gw_rp_metadata_bytes, in client_metadata of the DC API's signed OpenID4VP request
   * (KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST; off unless configured). */
  googleRpMetadata?: string;
  /** Request states: memory for one instance, Redis for several. */
  states: RequestStateStore;
  /**
   * DeviceRequest version of the org-iso-mdoc request (KAKUNIN_DEVICE_REQUEST_VERSION). "1.1" adds
   * DeviceRequestInfo saying any one document will do; readerAuth stays per document. Default "1.0".
   */
  deviceRequestVersion?: '1.0' | '1.1';
  now: () => Date;
}

export function createProtocolAdapter({ identity, additionalIdentities = [], verifierInfo, googleRpMetadata, states, now, deviceRequestVersion = '1.0' }: ProtocolAdapterOptions): WalletProtocols {
  const info = verifierInfo?.length ? { verifierInfo } : {};
  const google = googleRpMetadata ? { googleRpMetadata } : {};
  const openid4vpProtocol: DcApiProtocol = additionalIdentities.length ? 'openid4vp-v1-multisigned' : 'openid4vp-v1-signed';
  /** One DC API request per protocol: a DeviceRequest cannot carry DCQL's alternatives. */
  const makeDcApiRequest = (request: PresentationRequest, protocol: DcApiProtocol, input: PrepareDcApiOptions, at: Date) =>
    createDigitalCredentialRequest({
      request,
      origin: input.origin,
      identity,
      additionalIdentities,
      ...info,
      ...google,
      protocols: [protocol],
      // A purpose's documents are alternatives; only a 1.1 DeviceRequest can say so.
      ...(protocol === 'org-iso-mdoc' && deviceRequestVersion === '1.1' ? { deviceRequestVersion, deviceRequestInfo: anyOneOf(request.documents.length) } : {}),
      at,
      ttlSeconds: input.ttlSeconds,
      store: states,
    });

  return {
    async prepare(input: PrepareOptions): Promise<PreparedRequest> {
      const at = now();
      const redirect = await createOpenID4VPRequest({
        request: buildPresentationRequest(input),
        identity,
        requestUri: input.requestUri,
        responseUri: input.responseUri,
        at,
        ttlSeconds: input.ttlSeconds,
        store: states,
        // Wallets may POST a wallet_nonce to request_uri and get a request object signed for them.
        requestUriMethod: 'post',
        ...info,
      });
      return { refs: { oid4vp: redirect.id, dcapi: {} }, qrUri: redirect.walletUrl };
    },

    async prepareDcApi(input: PrepareDcApiOptions): Promise<PreparedDcApi> {
      const at = now();
      const annexC = await makeDcApiRequest(buildPresentationRequest(input, { claimSets: 'first' }), 'org-iso-mdoc', input, at);
      const openid4vp = await makeDcApiRequest(buildPresentationRequest(input), openid4vpProtocol, input, at);
      return {
        refs: { 'org-iso-mdoc': annexC.id, [openid4vpProtocol]: openid4vp.id },
        dcapi: { digital: { requests: [...annexC.credentialRequestOptions.digital.requests, ...openid4vp.credentialRequestOptions.digital.requests] } },
      };
    },

    requestObject(refs: RequestRefs, walletNonce?: string): Promise<string> {
      return getRequestObject(states, refs.oid4vp, now(), { identity, ...(walletNonce ? { walletNonce } : {}) });
    },

    async receiveDirectPost(refs, form, verify) {
      return orWalletError(receiveDirectPost({ ...verify, id: refs.oid4vp, body: form, store: states }));
    },

    async receiveDcApi(refs, credential, verify) {
      const id = Object.hasOwn(refs.dcapi, credential.protocol) ? refs.dcapi[credential.protocol] : undefined;
      if (!id) throw new ProtocolError('PROTOCOL_UNSUPPORTED', `protocol ${credential.protocol.slice(0, 64)} was not offered`);
      return orWalletError(receiveDigitalCredentialResponse({ ...verify, id, response: credential, store: states }));
    },

    async release(refs) {
      await Promise.all([refs.oid4vp, ...Object.values(refs.dcapi)].filter(Boolean).map((id) => states.release(id)));
    },
  };
}
