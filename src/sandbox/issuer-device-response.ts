/**
 * The holder's side of a sandbox mdoc: a DeviceResponse (ISO/IEC 18013-5 §8.3.2.1.2.2) for a given
 * SessionTranscript, disclosing the selected elements and authenticating the device with
 * deviceSignature or deviceMac (§9.1.3).
 *
 * DeviceAuthenticationBytes are made by encoding the structure with encodeCbor — a separate path
 * from the verifier, which assembles them from the transcript bytes as received.
 */
import { createHash, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { decodeCbor } from '../cbor/decode.js';
import { embed, encodeCbor } from '../cbor/encode.js';
import { EncodedCbor } from '../cbor/types.js';
import type { ElementValues, IssuedMdoc } from './issuer.js';
import { createDetachedMac0, createSign1 } from './issuer-cose.js';
import { KakuninError } from '../codes/error.js';

export type DeviceAuthKind =
  /** deviceSignature: COSE_Sign1 with the device key over DeviceAuthenticationBytes. */
  | { kind: 'signature' }
  /** deviceMac: COSE_Mac0 with EMacKey from ECDH(device key, reader ephemeral key). */
  | { kind: 'mac'; readerPublicKey: KeyObject }
  /** No deviceAuth at all (an empty deviceAuth map): a defect. */
  | { kind: 'none' };

export interface DeviceDefects {
  /** Sign or MAC with this private key instead of the device key the MSO holds. */
  deviceKey?: KeyObject;
  /** Authenticate a different SessionTranscript (CBOR bytes) than the one asked for. */
  sessionTranscript?: Uint8Array;
  /** docType inside DeviceAuthentication instead of the document's. */
  docType?: string;
  /** Flip a bit of the signature or MAC tag. */
  corrupt?: boolean;
  /** Leave deviceSigned out of the document. */
  omitDeviceSigned?: boolean;
  /** docType of the Document (not of the MSO) instead of the issued one. */
  documentDocType?: string;
}

export interface PresentedDocument {
  mdoc: IssuedMdoc;
  /** Elements to disclose by namespace; all issued elements when not given. */
  disclose?: Record<string, string[]>;
  /** Device-signed elements (DeviceNameSpaces). */
  deviceNameSpaces?: ElementValues;
  deviceAuth: DeviceAuthKind;
  defects?: DeviceDefects;
}

export interface DeviceResponseOptions {
  /** SessionTranscript CBOR bytes, with or without the #6.24 wrapper. */
  sessionTranscript: Uint8Array;
  documents: PresentedDocument[];
  /** docType -> error code (§8.3.2.1.2.3). */
  documentErrors?: Record<string, number>;
  status?: number;
  version?: string;
}

/**
 * The transcript as a value, from bytes with or without the #6.24 wrapper. Only transcripts that
 * re-encode to the same bytes are accepted: DeviceAuthentication is built by re-encoding, and a
 * silent difference would make the sandbox sign something other than what it was given.
 *
 * @example
 * ```ts
 * import { decodeSessionTranscript } from 'kakunin/sandbox';
 * // [null, null, ["dcapi", h'00']]: a SessionTranscript as CBOR
 * const transcript = Uint8Array.from([0x83, 0xf6, 0xf6, 0x82, 0x65, ...new TextEncoder().encode('dcapi'), 0x41, 0x00]);
 * console.log(decodeSessionTranscript(transcript)); // [ null, null, [ 'dcapi', Uint8Array(1) [ 0 ] ] ]
 * ```
 */
export function decodeSessionTranscript(bytes: Uint8Array): unknown {
  let value = decodeCbor(bytes);
  let inner = bytes;
  if (value instanceof EncodedCbor) {
    inner = value.bytes;
    value = decodeCbor(inner);
  }
  const again = encodeCbor(value);
  if (Buffer.compare(Buffer.from(again), Buffer.from(inner)) !== 0) {
    throw new KakuninError('INVALID_ARGUMENT', 'sandbox: SessionTranscript is not in the encoding cbor-x produces; give canonically encoded bytes');
  }
  return value;
}

/**
 * EMacKey = HKDF-SHA256(ECDH(device private, reader public), salt = SHA-256(SessionTranscriptBytes),
 * info "EMacKey", L = 32) (§9.1.3.5). SessionTranscriptBytes is the #6.24-wrapped transcript.
 *
 * @example
 * ```ts
 * import { generateSandboxKeyPair, computeEMacKey, decodeSessionTranscript } from 'kakunin/sandbox';
 * declare const sessionTranscript: Uint8Array; // the exchange's SessionTranscript, CBOR
 * const device = await generateSandboxKeyPair();
 * const reader = await generateSandboxKeyPair(); // the reader's ephemeral key
 * const eMacKey = computeEMacKey(device.privateKey, reader.publicKey, decodeSessionTranscript(sessionTranscript));
 * console.log(eMacKey.length); // 32
 * ```
 */
export function computeEMacKey(devicePrivateKey: KeyObject, readerPublicKey: KeyObject, transcript: unknown): Uint8Array {
  const shared = diffieHellman({ privateKey: devicePrivateKey, publicKey: readerPublicKey });
  const salt = createHash('sha256')
    .update(encodeCbor(embed(transcript)))
    .digest();
  return new Uint8Array(hkdfSync('sha256', shared, salt, Buffer.from('EMacKey', 'ascii'), 32));
}

/**
 * DeviceAuthenticationBytes = #6.24(bstr .cbor ["DeviceAuthentication", SessionTranscript, DocType,
 * DeviceNameSpacesBytes]) (§9.1.3.4), by encoding the structure.
 *
 * @example
 * ```ts
 * import { encodeDeviceAuthenticationBytes, createSign1, decodeSessionTranscript, MDL_DOCTYPE, type IssuedMdoc } from 'kakunin/sandbox';
 * import type { EncodedCbor } from 'kakunin';
 * declare const mdl: IssuedMdoc; // issueMdoc(...)
 * declare const sessionTranscript: Uint8Array;
 * declare const deviceNameSpacesBytes: EncodedCbor; // #6.24 of the (usually empty) DeviceNameSpaces
 * const toSign = encodeDeviceAuthenticationBytes(decodeSessionTranscript(sessionTranscript), MDL_DOCTYPE, deviceNameSpacesBytes);
 * const deviceSignature = createSign1(toSign, mdl.devicePrivateKey, { detached: true });
 * ```
 */
export function encodeDeviceAuthenticationBytes(transcript: unknown, docType: string, deviceNameSpacesBytes: EncodedCbor): Uint8Array {
  return encodeCbor(embed(['DeviceAuthentication', transcript, docType, deviceNameSpacesBytes]));
}

function selectItems(mdoc: IssuedMdoc, disclose: Record<string, string[]> | undefined): Map<string, EncodedCbor[]> {
  const out = new Map<string, EncodedCbor[]>();
  for (const [ns, items] of mdoc.items) {
    if (disclose && !disclose[ns]) continue;
    const chosen = items.filter((i) => !disclose || disclose[ns].includes(i.elementIdentifier)).map((i) => i.bytes);
    if (chosen.length > 0) out.set(ns, chosen);
  }
  if (disclose) {
    for (const [ns, ids] of Object.entries(disclose)) {
      for (const id of ids) {
        if (!mdoc.items.get(ns)?.some((i) => i.elementIdentifier === id)) throw new KakuninError('INVALID_ARGUMENT', `sandbox: ${ns}/${id} was not issued`);
      }
    }
  }
  return out;
}

function toMap(values: ElementValues | undefined): Map<string, Map<string, unknown>> {
  const out = new Map<string, Map<string, unknown>>();
  for (const [ns, elements] of Object.entries(values ?? {})) out.set(ns, new Map(Object.entries(elements)));
  return out;
}

function documentFor(doc: PresentedDocument, transcript: unknown): Map<string, unknown> {
  const defects = doc.defects ?? {};
  const docType = defects.documentDocType ?? doc.mdoc.docType;
  const document = new Map<string, unknown>([
    ['docType', docType],
    [
      'issuerSigned',
      new Map<string, unknown>([
        ['nameSpaces', selectItems(doc.mdoc, doc.disclose)],
        ['issuerAuth', doc.mdoc.issuerAuth],
      ]),
    ],
  ]);
  if (defects.omitDeviceSigned) return document;

  const deviceNameSpacesBytes = embed(toMap(doc.deviceNameSpaces));
  const authTranscript = defects.sessionTranscript ? decodeSessionTranscript(defects.sessionTranscript) : transcript;
  const deviceAuthenticationBytes = encodeDeviceAuthenticationBytes(authTranscript, defects.docType ?? docType, deviceNameSpacesBytes);
  const key = defects.deviceKey ?? doc.mdoc.devicePrivateKey;
  const deviceAuth = new Map<string, unknown>();
  if (doc.deviceAuth.kind === 'signature') {
    const sig = createSign1(deviceAuthenticationBytes, key, { detached: true });
    if (defects.corrupt) (sig[3] as Uint8Array)[3] ^= 0x01;
    deviceAuth.set('deviceSignature', sig);
  } else if (doc.deviceAuth.kind === 'mac') {
    const mac = createDetachedMac0(deviceAuthenticationBytes, computeEMacKey(key, doc.deviceAuth.readerPublicKey, authTranscript));
    if (defects.corrupt) (mac[3] as Uint8Array)[3] ^= 0x01;
    deviceAuth.set('deviceMac', mac);
  }
  document.set(
    'deviceSigned',
    new Map<string, unknown>([
      ['nameSpaces', deviceNameSpacesBytes],
      ['deviceAuth', deviceAuth],
    ]),
  );
  return document;
}

/**
 * A DeviceResponse as CBOR bytes.
 *
 * @example
 * ```ts
 * import { loadTrustStore, verifyDeviceResponse } from 'kakunin';
 * import { createDeviceResponse, MNC_NS, type IssuedMdoc } from 'kakunin/sandbox';
 * declare const card: IssuedMdoc; // issueMdoc({ docType: MNC_DOCTYPE, ... })
 * declare const sessionTranscript: Uint8Array; // the exchange's SessionTranscript, CBOR
 * const deviceResponse = createDeviceResponse({
 *   sessionTranscript,
 *   documents: [{ mdoc: card, disclose: { [MNC_NS]: ['age_over_20'] }, deviceAuth: { kind: 'signature' } }],
 * });
 * const result = verifyDeviceResponse(deviceResponse, { trust: loadTrustStore(['./sandbox-iaca.pem']), at: new Date(), sessionTranscript });
 * ```
 */
export function createDeviceResponse(options: DeviceResponseOptions): Uint8Array {
  const transcript = decodeSessionTranscript(options.sessionTranscript);
  const response = new Map<string, unknown>([['version', options.version ?? '1.0']]);
  if (options.documents.length > 0)
    response.set(
      'documents',
      options.documents.map((d) => documentFor(d, transcript)),
    );
  if (options.documentErrors && Object.keys(options.documentErrors).length > 0) {
    response.set(
      'documentErrors',
      Object.entries(options.documentErrors).map(([docType, code]) => new Map([[docType, code]])),
    );
  }
  response.set('status', options.status ?? 0);
  return encodeCbor(response);
}
