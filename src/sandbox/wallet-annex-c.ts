/**
 * Sandbox wallet, ISO/IEC 18013-7 Annex C: answers {deviceRequest, encryptionInfo} from `origin`.
 * SessionTranscript = [null, null, ["dcapi", SHA-256(CBOR([encryptionInfo, origin]))]], built here
 * from values with the encoder (not by byte assembly as the verifier does); readerAuth is checked
 * over ["ReaderAuthentication", SessionTranscript, ItemsRequestBytes]; the DeviceResponse is sealed
 * with HPKE (P-256, HKDF-SHA256, AES-128-GCM, info = SessionTranscript).
 */
import { createHash, createPublicKey, webcrypto } from 'node:crypto';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { decodeCbor, embed, encodeCbor, type EncodedCbor } from '../cbor/index.js';
import { coseKeyToKeyObject, HEADER, header, parseCoseSign1, verifyCoseSign1 } from '../cose/index.js';
import { WalletRefusal, type SandboxWallet, type WalletElementRef } from './wallet.js';

export interface AnnexCRequestData {
  deviceRequest: string;
  encryptionInfo: string;
}

function fromB64u(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** The wallet's own SessionTranscript value: [null, null, ["dcapi", SHA-256(CBOR([encryptionInfo, origin]))]]. */
export function walletAnnexCTranscriptValue(encryptionInfo: string, origin: string): unknown[] {
  const handoverInfoHash = createHash('sha256')
    .update(encodeCbor([encryptionInfo, origin]))
    .digest();
  return [null, null, ['dcapi', new Uint8Array(handoverInfoHash)]];
}

export async function answerAnnexC(wallet: SandboxWallet, data: AnnexCRequestData, origin: string): Promise<{ protocol: 'org-iso-mdoc'; data: { response: string } }> {
  const info = decodeCbor(fromB64u(data.encryptionInfo)) as unknown[];
  if (!Array.isArray(info) || info[0] !== 'dcapi') throw new WalletRefusal('invalid_request', 'not an Annex C EncryptionInfo');
  const recipientPublicKey = coseKeyToKeyObject((info[1] as Map<string, unknown>).get('recipientPublicKey'));

  const sessionTranscriptValue = walletAnnexCTranscriptValue(data.encryptionInfo, origin);
  const sessionTranscript = encodeCbor(sessionTranscriptValue);

  const deviceRequest = decodeCbor(fromB64u(data.deviceRequest)) as Map<string, unknown>;
  const docRequests = deviceRequest.get('docRequests') as Map<string, unknown>[];
  let answer: Uint8Array | undefined;
  // Second edition: one readerAuthAll over every ItemsRequest instead of one readerAuth each.
  const readerAuthAll = deviceRequest.get('readerAuthAll') as unknown[] | undefined;
  if (readerAuthAll !== undefined && !wallet.behaviour.skipRequestChecks) {
    const all = docRequests.map((d) => d.get('itemsRequest') as EncodedCbor);
    // DeviceRequestInfo, when sent, is signed as it came (#6.24 bytes), null otherwise.
    const info = deviceRequest.get('deviceRequestInfo') ?? null;
    await checkReaderSignature(wallet, readerAuthAll[0], encodeCbor(embed(['ReaderAuthenticationAll', sessionTranscriptValue, all, info])), 'readerAuthAll');
  }
  for (const docRequest of docRequests) {
    const itemsRequest = docRequest.get('itemsRequest') as EncodedCbor;
    if (readerAuthAll === undefined && !wallet.behaviour.skipRequestChecks) await checkReaderAuth(wallet, docRequest.get('readerAuth'), sessionTranscriptValue, itemsRequest);
    const items = decodeCbor(itemsRequest.bytes) as Map<string, unknown>;
    const asked: WalletElementRef[] = [];
    for (const [nameSpace, elements] of items.get('nameSpaces') as Map<string, Map<string, boolean>>) {
      for (const elementIdentifier of elements.keys()) asked.push({ nameSpace, elementIdentifier });
    }
    const selection = wallet.select(items.get('docType') as string, asked);
    if (selection) {
      answer = wallet.deviceResponse(selection, sessionTranscript);
      break;
    }
  }
  if (!answer) throw new WalletRefusal('access_denied', 'no matching credential');

  const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const jwk = recipientPublicKey.export({ format: 'jwk' });
  const recipientKey = await webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  const sealed = await suite.seal({ recipientPublicKey: recipientKey, info: sessionTranscript }, answer);
  const encrypted = encodeCbor([
    'dcapi',
    new Map<string, unknown>([
      ['enc', new Uint8Array(sealed.enc)],
      ['cipherText', new Uint8Array(sealed.ct)],
    ]),
  ]);
  return { protocol: 'org-iso-mdoc', data: { response: Buffer.from(encrypted).toString('base64url') } };
}

async function checkReaderAuth(wallet: SandboxWallet, readerAuth: unknown, sessionTranscriptValue: unknown, itemsRequest: EncodedCbor): Promise<void> {
  if (readerAuth === undefined) {
    if (wallet.options.trustedReaderRoots?.length) throw new WalletRefusal('invalid_request', 'readerAuth missing');
    return;
  }
  await checkReaderSignature(wallet, readerAuth, encodeCbor(embed(['ReaderAuthentication', sessionTranscriptValue, itemsRequest])), 'readerAuth');
}

async function checkReaderSignature(wallet: SandboxWallet, readerAuth: unknown, payload: Uint8Array, what: string): Promise<void> {
  if (readerAuth === undefined) throw new WalletRefusal('invalid_request', `${what} missing`);
  const msg = parseCoseSign1(readerAuth);
  const x5 = header(msg, HEADER.x5chain);
  const chain = x5 instanceof Uint8Array ? [x5] : ((x5 as Uint8Array[] | undefined) ?? []);
  const leaf = await wallet.checkVerifierChain(chain);
  const key = createPublicKey({ key: Buffer.from(leaf.publicKey.rawData), format: 'der', type: 'spki' });
  if (!verifyCoseSign1(msg, key, { detachedPayload: payload })) throw new WalletRefusal('invalid_request', `${what} does not verify`);
}
