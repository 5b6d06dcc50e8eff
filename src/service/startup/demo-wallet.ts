/**
 * The wallet of `kakunin demo` and of the service tests: the sandbox holder wallet (src/sandbox/)
 * holding a sandbox My Number Card and mDL, issued under a sandbox IACA that only sandbox mode
 * trusts. This file only issues the documents and carries the wallet's messages over HTTP; the
 * answers themselves (Annex C org-iso-mdoc, OpenID4VP over the DC API, OpenID4VP by QR) are the
 * sandbox wallet's, a separate implementation from the verifier's.
 */
import {
  createDocumentSigner,
  createIaca,
  issueMdoc,
  MDL_DOCTYPE,
  createMdlElements,
  MNC_DOCTYPE,
  createMyNumberCardElements,
  OID_MDOC_DS_EKU,
  drawSamplePortrait,
  type SandboxCa,
} from '../../sandbox/index.js';
import { SandboxWallet } from '../../sandbox/wallet.js';
import { answerDigitalCredentialRequest, type DigitalCredentialAnswer } from '../../sandbox/wallet-dcapi.js';
import { answerOpenID4VPRedirect, requestUriInit } from '../../sandbox/wallet-openid4vp.js';
import { ServiceError } from '../errors.js';
import type { Route } from '../http/routes.js';
import { ownConnectionFetch } from './own-connection-fetch.js';

const DAY = 86_400_000;

/** Mock data like that of Apple's test mDL (test/vectors/apple-wallet-dcapi-test-mdl-unsigned-multipaz). */
const APPLE_TEST_HOLDER = {
  familyName: 'Garcia',
  givenName: 'Kelly',
  birthDate: '1987-02-01',
  issueDate: '2025-07-26',
  expiryDate: '2052-02-10',
  issuingCountry: 'XX',
  issuingAuthority: 'Test Issuing Authority',
  documentNumber: 'D12345678',
  residentAddress: '1 Test Street, Test City',
};

export class DemoWallet {
  private constructor(
    readonly iaca: SandboxCa,
    readonly wallet: SandboxWallet,
  ) {}

  /**
   * A fresh IACA, document signer and two documents valid around `at`. With `appleTestId` the wallet
   * holds what an integrator's iPhone holds instead: one mDL in the shape of Apple's test IDs (mock
   * data, a real device key, no issuer signature; sandbox/issuer.ts).
   */
  static async create(at: Date, options: { birthDate?: string; localGovCode?: string; appleTestId?: boolean } = {}): Promise<DemoWallet> {
    const iaca = await createIaca({ commonName: 'kakunin sandbox IACA', notBefore: new Date(at.getTime() - DAY), notAfter: new Date(at.getTime() + 400 * DAY) });
    // As real issuers do: the mDL's signer carries the 18013-5 usage, the My Number Card's the
    // ISO/IEC 23220-4 one (document-signer-profiles.ts).
    const ds = await createDocumentSigner(iaca);
    const mncSigner = await createDocumentSigner(iaca, { extendedKeyUsage: [OID_MDOC_DS_EKU] });
    const validity = { signed: new Date(at.getTime() - 60_000), validFrom: new Date(at.getTime() - 60_000), validUntil: new Date(at.getTime() + 90 * DAY) };
    const person = {
      birthDate: options.birthDate ?? '1990-04-01',
      sex: 2,
      fullName: '確認 花子',
      residentAddress: '東京都千代田区千代田1-1',
      localGovCode: options.localGovCode ?? '131016',
      individualNumber: '123456789018',
      // A drawn face: a purpose that asks for the portrait can be tried in the demo.
      portrait: drawSamplePortrait(),
    };
    const mnc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(person, at), signer: mncSigner, chain: iaca.chain, validity });
    if (options.appleTestId) {
      const testId = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(APPLE_TEST_HOLDER, at, [18, 20, 21]), signer: ds, validity, defects: { appleTestId: true } });
      return new DemoWallet(iaca, new SandboxWallet({ credentials: [testId], now: () => new Date() }));
    }
    const mdl = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, at, [18, 20, 21]), signer: ds, chain: iaca.chain, validity });
    // The demo wallet does not know the verifier's roots: it checks readerAuth and request-object
    // signatures, and the certificates' validity, against the wallet's own clock.
    return new DemoWallet(iaca, new SandboxWallet({ credentials: [mnc, mdl], now: () => new Date() }));
  }

  /**
   * Scans a QR link (openid4vp://?client_id&request_uri), fetches the request, POSTs the answer.
   * `ownPrefix` (the demo's route always gives it): the demo wallet talks only to its own service's
   * wallet URLs, so it is not a proxy that fetches or posts wherever a link says. Each request goes
   * over a new connection (own-connection-fetch.ts: a pooled one can be closed under it).
   */
  async answerQr(uri: string, fetchImpl: typeof fetch = ownConnectionFetch, ownPrefix?: string): Promise<Response> {
    const own = (url: string, what: string) => {
      if (ownPrefix !== undefined && !url.startsWith(ownPrefix))
        throw new ServiceError('WALLET_CANNOT_ANSWER', `${what} is not this service's (${ownPrefix}...): the demo wallet answers only its own service`);
    };
    const answer = await answerOpenID4VPRedirect(this.wallet, uri, async (requestUri, walletNonce) => {
      own(requestUri, 'request_uri');
      const res = await fetchImpl(requestUri, requestUriInit(walletNonce));
      if (!res.ok) throw new ServiceError('WALLET_CANNOT_ANSWER', `request_uri answered ${res.status}`);
      // As a strict wallet does: RFC 9101 §9.4.1 registers the media type with no parameters.
      const type = res.headers.get('content-type');
      if (type !== 'application/oauth-authz-req+jwt')
        throw new ServiceError('WALLET_CANNOT_ANSWER', `request_uri answered with media type ${String(type).slice(0, 80)}, not application/oauth-authz-req+jwt`);
      return res.text();
    });
    own(answer.responseUri, 'response_uri');
    return fetchImpl(answer.responseUri, { method: 'POST', redirect: 'error', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: answer.body });
  }

  /** What navigator.credentials.get resolves to, for a call made from `origin` (the sandbox wallet's answer). */
  answerDcApi(argument: unknown, origin: string): Promise<DigitalCredentialAnswer> {
    return answerDigitalCredentialRequest(this.wallet, argument, origin);
  }
}

/** Demo only: the sandbox wallet, answering the way a phone would, driven from the page. */
export function sandboxWalletRoutes(wallet: DemoWallet, ownPrefix: string): Record<'sandboxWalletScan' | 'sandboxWalletDcApi', Route> {
  return {
    sandboxWalletScan: {
      guards: [],
      handle: async (req, res) => {
        let posted: Response;
        try {
          posted = await wallet.answerQr((req.body as { uri: string }).uri, ownConnectionFetch, ownPrefix);
        } catch (e) {
          throw new ServiceError('WALLET_CANNOT_ANSWER', (e as Error).message);
        }
        // Where a phone's wallet would now send its browser (OpenID4VP 1.0 §8.2), for the demo to follow.
        const answer = posted.status === 200 ? ((await posted.json().catch(() => ({}))) as { redirect_uri?: unknown }) : {};
        const back = typeof answer.redirect_uri === 'string' ? { redirect_uri: answer.redirect_uri } : {};
        res.status(posted.status === 200 ? 200 : 502).json({ wallet_post_status: posted.status, ...back });
      },
    },
    sandboxWalletDcApi: {
      guards: [],
      handle: async (req, res) => {
        const body = req.body as { argument: unknown; origin: string };
        try {
          res.json(await wallet.answerDcApi(body.argument, body.origin));
        } catch (e) {
          throw new ServiceError('WALLET_CANNOT_ANSWER', (e as Error).message);
        }
      },
    },
  };
}
