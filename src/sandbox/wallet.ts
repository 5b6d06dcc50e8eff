/**
 * The sandbox holder wallet for the online protocols: it holds mdocs from the sandbox issuer and
 * answers ISO 18013-7 Annex C (org-iso-mdoc), OpenID4VP over the DC API and OpenID4VP by redirect,
 * doing what a real wallet does: parse the request, check readerAuth or the request-object
 * signature and the verifier's certificate, build its own SessionTranscript, sign and encrypt.
 *
 * Deliberately a separate implementation from src/protocols/: it shares no transcript, request
 * or encryption code with the verifier, so a misunderstanding on one side shows up as a failure
 * instead of cancelling out. It does use the sandbox issuer for the DeviceResponse itself.
 */
import * as x509 from '../trust/x509.js';
import { webcrypto } from 'node:crypto';
import { KakuninError } from '../codes/error.js';
import { createDeviceResponse } from './issuer-device-response.js';
import type { IssuedMdoc } from './issuer.js';

const crypto = webcrypto as unknown as Crypto;

/**
 * The sandbox wallet declines a request (bad signature, untrusted reader, nothing it can disclose): code WALLET_REFUSED, with the OpenID4VP error a wallet would return in `error`.
 *
 * @example
 * ```ts
 * import { answerDigitalCredentialRequest, WalletRefusal, type SandboxWallet } from 'kakunin/sandbox';
 * declare const wallet: SandboxWallet;
 * declare const credentialRequestOptions: unknown; // createDigitalCredentialRequest(...).credentialRequestOptions
 * try {
 *   await answerDigitalCredentialRequest(wallet, credentialRequestOptions, 'https://shop.example');
 * } catch (e) {
 *   if (e instanceof WalletRefusal) console.log(e.error); // e.g. access_denied
 *   else throw e;
 * }
 * ```
 */
export class WalletRefusal extends KakuninError {
  constructor(
    /** OpenID4VP error code the wallet would return (invalid_request, access_denied, ...). */
    readonly error: string,
    message: string,
  ) {
    super('WALLET_REFUSED', message);
    this.name = 'WalletRefusal';
  }
}

export interface WalletElementRef {
  nameSpace: string;
  elementIdentifier: string;
}

/** Ways to make the wallet misbehave, for tests of the verifier. */
export interface WalletBehaviour {
  /** Disclose these too, although nobody asked. */
  extraElements?: WalletElementRef[];
  /** Leave these out, although they were asked for. */
  withholdElements?: WalletElementRef[];
  /** JWE enc to use; default A256GCM (HAIP: SHOULD when both are offered). */
  enc?: 'A128GCM' | 'A256GCM';
  /** Skip checking readerAuth / request signatures (to test the verifier alone). */
  skipRequestChecks?: boolean;
}

export interface SandboxWalletOptions {
  credentials: IssuedMdoc[];
  /** Reader / verifier roots (DER) the wallet accepts; with none, only signatures are checked. */
  trustedReaderRoots?: Uint8Array[];
  /** The wallet's clock, for certificate validity. */
  now: () => Date;
  behaviour?: WalletBehaviour;
}

export interface WalletSelection {
  credential: IssuedMdoc;
  disclose: Record<string, string[]>;
}

/**
 * The holder's wallet for the online protocols: it holds issued mdocs, checks the verifier's request (signature, and the reader roots it trusts), picks what it may disclose and answers with a DeviceResponse. `behaviour` makes it misbehave for tests.
 *
 * @example
 * ```ts
 * import { answerDigitalCredentialRequest, createDocumentSigner, createIaca, issueMdoc, MNC_DOCTYPE, createMyNumberCardElements, SandboxWallet } from 'kakunin/sandbox';
 * const now = new Date();
 * const card = await issueMdoc({
 *   docType: MNC_DOCTYPE,
 *   nameSpaces: createMyNumberCardElements(undefined, now),
 *   signer: await createDocumentSigner(await createIaca()),
 *   validity: { signed: now, validFrom: now, validUntil: new Date(now.getTime() + 30 * 86_400_000) },
 * });
 * const wallet = new SandboxWallet({ credentials: [card], now: () => new Date() });
 * // answerDigitalCredentialRequest(wallet, dcApi.credentialRequestOptions, origin), answerOpenID4VPRedirect(wallet, walletUrl, fetch)
 * ```
 */
export class SandboxWallet {
  constructor(readonly options: SandboxWalletOptions) {}

  get behaviour(): WalletBehaviour {
    return this.options.behaviour ?? {};
  }

  /** Picks the first held credential of `docType` and the asked elements it can disclose. */
  select(docType: string, asked: WalletElementRef[]): WalletSelection | undefined {
    const credential = this.options.credentials.find((c) => c.docType === docType);
    if (!credential) return undefined;
    const withheld = (e: WalletElementRef) => this.behaviour.withholdElements?.some((w) => w.nameSpace === e.nameSpace && w.elementIdentifier === e.elementIdentifier);
    const has = (e: WalletElementRef) => credential.items.get(e.nameSpace)?.some((i) => i.elementIdentifier === e.elementIdentifier) ?? false;
    const disclose: Record<string, string[]> = {};
    for (const e of [...asked.filter((a) => !withheld(a)), ...(this.behaviour.extraElements ?? [])]) {
      if (!has(e)) continue;
      const list = (disclose[e.nameSpace] ??= []);
      if (!list.includes(e.elementIdentifier)) list.push(e.elementIdentifier);
    }
    return { credential, disclose };
  }

  /** DeviceResponse bytes for the selection, device-signed over `sessionTranscript`. */
  deviceResponse(selection: WalletSelection, sessionTranscript: Uint8Array): Uint8Array {
    return createDeviceResponse({
      sessionTranscript,
      documents: [{ mdoc: selection.credential, disclose: selection.disclose, deviceAuth: { kind: 'signature' } }],
    });
  }

  /** Checks the verifier's certificate chain (leaf first) up to a trusted root, at the wallet's time. */
  async checkVerifierChain(chain: Uint8Array[]): Promise<x509.X509Certificate> {
    if (!chain.length) throw new WalletRefusal('invalid_request', 'no verifier certificate');
    const certs = chain.map((der) => new x509.X509Certificate(der as BufferSource));
    const now = this.options.now();
    for (const c of certs) {
      if (c.notBefore > now || c.notAfter < now) throw new WalletRefusal('invalid_request', 'verifier certificate not valid now');
    }
    const roots = (this.options.trustedReaderRoots ?? []).map((der) => new x509.X509Certificate(der as BufferSource));
    if (!roots.length) return certs[0];
    for (let i = 0; i + 1 < certs.length; i++) {
      if (!(await certs[i].verify({ publicKey: certs[i + 1], signatureOnly: true }, crypto))) throw new WalletRefusal('invalid_request', 'broken verifier chain');
    }
    const top = certs[certs.length - 1];
    for (const root of roots) {
      if (top.issuer === root.subject && (await top.verify({ publicKey: root, signatureOnly: true }, crypto))) return certs[0];
    }
    throw new WalletRefusal('invalid_request', 'verifier certificate does not chain to a trusted reader root');
  }
}
