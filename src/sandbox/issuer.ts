/**
 * The sandbox issuer: issues an mdoc (IssuerSigned + the holder's device key) of any docType and
 * namespaces, signed by a sandbox document signer, with switches to make each issuer-side defect
 * the verifier must catch.
 *
 * Structures follow ISO/IEC 18013-5 §8.3.2.1.2.2 (IssuerSignedItem) and §9.1.2.4 (MSO, issuerAuth).
 */
import { createHash, createPublicKey, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { embed, encodeCbor } from '../cbor/encode.js';
import type { EncodedCbor } from '../cbor/types.js';
import { keyObjectToCoseKey } from '../cose/key.js';
import { generateSandboxKeyPair, type SandboxCertificate, type SandboxCurve } from './certificates.js';
import { createSign1 } from './issuer-cose.js';
import { KakuninError } from '../codes/error.js';

/** Element values by namespace then identifier. Values are CBOR-encodable (Date = tdate,
 * FullDate = full-date, Uint8Array = bstr, Map/objects = maps). */
export type ElementValues = Record<string, Record<string, unknown>>;

export type DigestAlgorithmName = 'SHA-256' | 'SHA-384' | 'SHA-512';

const NODE_HASH: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', 'SHA-1': 'sha1' };

export interface KeyAuthorizationsOptions {
  nameSpaces?: string[];
  dataElements?: Record<string, string[]>;
}

export interface ValidityInfoOptions {
  signed: Date;
  validFrom: Date;
  validUntil: Date;
  expectedUpdate?: Date;
}

/** Issuer-side defects, each made on purpose. */
export interface IssuerDefects {
  /** docType written into the MSO instead of the document's. */
  msoDocType?: string;
  /** MSO version instead of "1.0". */
  msoVersion?: string;
  /** Store a wrong digest in the MSO for this element (its value stays as signed). */
  wrongDigest?: { nameSpace: string; elementIdentifier: string };
  /** Replace this element's value after the MSO was signed (its IssuerSignedItem no longer
   * matches the MSO digest). */
  alterValueAfterSigning?: { nameSpace: string; elementIdentifier: string; value: unknown };
  /** Leave this element's digest out of the MSO. */
  omitDigest?: { nameSpace: string; elementIdentifier: string };
  /** Flip a bit of the issuerAuth signature. */
  forgeSignature?: boolean;
  /** Sign the MSO with this key instead of the DS's (the x5chain still names the DS). */
  signWithKey?: KeyObject;
  /** Leave the x5chain header out of issuerAuth. */
  omitX5chain?: boolean;
  /** Change the MSO after signing (the signature then no longer covers it): a hook for anything
   * the switches above do not cover. Called with the decoded MSO map before it is re-encoded. */
  alterMsoAfterSigning?: (mso: Map<string, unknown>) => void;
  /** Change the MSO before signing (a validly signed but malformed MSO). */
  alterMsoBeforeSigning?: (mso: Map<string, unknown>) => void;
  /** Put `alg` of a different algorithm into the protected header. */
  algOverride?: number;
  /**
   * The shape of Apple Wallet's integrator test IDs (as captured in the shared vectors): the MSO also
   * lists a digest under com.apple.identity-presentment.developer-test, and issuerAuth carries an
   * empty x5chain array and a signature of 64 zero bytes. The device key is real.
   */
  appleTestId?: boolean;
  /** Write this issuing_country instead of the signer certificate's countryName (a document claiming
   * another country than its signer's: ISSUING_COUNTRY_MISMATCH). */
  issuingCountry?: string;
  /** Write this issuing_jurisdiction instead of the signer certificate's stateOrProvinceName. */
  issuingJurisdiction?: string;
}

/** Apple's developer-test namespace, written here as the sandbox's own fact (not the verifier's). */
const APPLE_DEVELOPER_TEST_NS = 'com.apple.identity-presentment.developer-test';

/** Namespaces whose issuing_country / issuing_jurisdiction name the issuer's country and subdivision
 * (18013-5 mDL, ISO 23220-2, EU PID), the sandbox's own list. */
const ISSUING_COUNTRY_NAMESPACES = new Set(['org.iso.18013.5.1', 'org.iso.23220.1', 'eu.europa.ec.eudi.pid.1']);

/**
 * The elements as a real issuer writes them: issuing_country is its signer certificate's countryName
 * and issuing_jurisdiction its stateOrProvinceName when it has one (18013-5 Annex B), whatever the
 * holder data said, unless a defect asks otherwise. An Apple test ID has no issuer: left as given.
 */
function asSignerSays(nameSpaces: ElementValues, signer: SandboxCertificate, defects: IssuerDefects): ElementValues {
  if (defects.appleTestId) return nameSpaces;
  const country = defects.issuingCountry ?? signer.country;
  const jurisdiction = defects.issuingJurisdiction ?? signer.certificate.subjectName.getField('ST')[0];
  const out: ElementValues = {};
  for (const [ns, elements] of Object.entries(nameSpaces)) {
    out[ns] = elements;
    if (!ISSUING_COUNTRY_NAMESPACES.has(ns)) continue;
    const written = { ...elements };
    if ('issuing_country' in written) written.issuing_country = country;
    if ('issuing_jurisdiction' in written && jurisdiction !== undefined) written.issuing_jurisdiction = jurisdiction;
    out[ns] = written;
  }
  return out;
}

export interface IssueOptions {
  docType: string;
  nameSpaces: ElementValues;
  /** The document signer and the rest of its x5chain (intermediates, leaf first, no IACA). */
  signer: SandboxCertificate;
  chain?: Uint8Array[];
  validity: ValidityInfoOptions;
  /** Digest algorithm name written into the MSO. Any string can be given to test rejection; unknown
   * names are hashed with SHA-256 so only the name is wrong. Default SHA-256. */
  digestAlgorithm?: DigestAlgorithmName | (string & Record<never, never>);
  /** The holder's device key; generated (P-256 unless `deviceCurve`) when not given. */
  deviceKey?: KeyObject;
  deviceCurve?: SandboxCurve;
  keyAuthorizations?: KeyAuthorizationsOptions;
  /** MSO `status` (e.g. a status_list reference) as a map. */
  status?: Map<string, unknown>;
  defects?: IssuerDefects;
}

export interface IssuedItem {
  nameSpace: string;
  elementIdentifier: string;
  digestID: number;
  /** IssuerSignedItemBytes: #6.24(bstr .cbor IssuerSignedItem). */
  bytes: EncodedCbor;
}

export interface IssuedMdoc {
  docType: string;
  /** IssuerSignedItemBytes by namespace, in issue order. */
  items: Map<string, IssuedItem[]>;
  /** COSE_Sign1 array. */
  issuerAuth: unknown[];
  /** The MSO as signed (decoded form the sandbox built). */
  mso: Map<string, unknown>;
  /** The holder's device key (private); its public part is in the MSO. */
  devicePrivateKey: KeyObject;
  devicePublicKey: KeyObject;
}

function digest(algorithm: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash(NODE_HASH[algorithm] ?? 'sha256')
      .update(data)
      .digest(),
  );
}

/** Digest IDs are unique per namespace and should not reveal element order (§9.1.2.5): random. */
function uniqueDigestIds(count: number): number[] {
  const ids = new Set<number>();
  while (ids.size < count) ids.add(randomInt(0, 2 ** 31 - 1));
  return [...ids];
}

function makeItem(digestID: number, elementIdentifier: string, elementValue: unknown): EncodedCbor {
  // At least 16 random bytes (§9.1.2.5) so digests of undisclosed elements cannot be guessed.
  return embed(
    new Map<string, unknown>([
      ['digestID', digestID],
      ['random', new Uint8Array(randomBytes(16))],
      ['elementIdentifier', elementIdentifier],
      ['elementValue', elementValue],
    ]),
  );
}

function matches(target: { nameSpace: string; elementIdentifier: string } | undefined, ns: string, id: string): boolean {
  return target !== undefined && target.nameSpace === ns && target.elementIdentifier === id;
}

/**
 * Issues an mdoc as an issuer would: IssuerSignedItems with random salts, the MSO with their digests, the holder's device key and the validity, signed by `signer` (COSE_Sign1 with the x5chain). `defects` makes it wrong in the ways a verifier must catch.
 *
 * @example
 * ```ts
 * import { createDocumentSigner, createIaca, issueMdoc, MDL_DOCTYPE, createMdlElements } from 'kakunin/sandbox';
 * const now = new Date();
 * const signer = await createDocumentSigner(await createIaca());
 * const mdl = await issueMdoc({
 *   docType: MDL_DOCTYPE,
 *   nameSpaces: createMdlElements(undefined, now),
 *   signer,
 *   validity: { signed: now, validFrom: now, validUntil: new Date(now.getTime() + 30 * 86_400_000) },
 * });
 * console.log([...mdl.items.keys()]); // [ 'org.iso.18013.5.1' ]
 * ```
 */
export async function issueMdoc(options: IssueOptions): Promise<IssuedMdoc> {
  const defects = options.defects ?? {};
  const digestAlgorithm = options.digestAlgorithm ?? 'SHA-256';
  let devicePrivateKey = options.deviceKey;
  if (!devicePrivateKey) devicePrivateKey = (await generateSandboxKeyPair(options.deviceCurve ?? 'P-256')).privateKey;
  const devicePublicKey = createPublicFrom(devicePrivateKey);

  const items = new Map<string, IssuedItem[]>();
  const valueDigests = new Map<string, Map<number, Uint8Array>>();
  for (const [ns, elements] of Object.entries(asSignerSays(options.nameSpaces, options.signer, defects))) {
    const ids = uniqueDigestIds(Object.keys(elements).length);
    const nsItems: IssuedItem[] = [];
    const nsDigests = new Map<number, Uint8Array>();
    Object.entries(elements).forEach(([id, value], i) => {
      const bytes = makeItem(ids[i], id, value);
      nsItems.push({ nameSpace: ns, elementIdentifier: id, digestID: ids[i], bytes });
      if (matches(defects.omitDigest, ns, id)) return;
      const d = digest(digestAlgorithm, bytes.tagged);
      if (matches(defects.wrongDigest, ns, id)) d[0] ^= 0xff;
      nsDigests.set(ids[i], d);
    });
    items.set(ns, nsItems);
    valueDigests.set(ns, nsDigests);
  }
  // Listed, never disclosed, as in Apple's test IDs.
  if (defects.appleTestId) valueDigests.set(APPLE_DEVELOPER_TEST_NS, new Map([[uniqueDigestIds(1)[0], digest(digestAlgorithm, randomBytes(32))]]));

  const deviceKeyInfo = new Map<string, unknown>([['deviceKey', keyObjectToCoseKey(devicePublicKey)]]);
  if (options.keyAuthorizations) {
    const ka = new Map<string, unknown>();
    if (options.keyAuthorizations.nameSpaces) ka.set('nameSpaces', options.keyAuthorizations.nameSpaces);
    if (options.keyAuthorizations.dataElements) ka.set('dataElements', new Map(Object.entries(options.keyAuthorizations.dataElements)));
    deviceKeyInfo.set('keyAuthorizations', ka);
  }
  const validityInfo = new Map<string, unknown>([
    ['signed', options.validity.signed],
    ['validFrom', options.validity.validFrom],
    ['validUntil', options.validity.validUntil],
  ]);
  if (options.validity.expectedUpdate) validityInfo.set('expectedUpdate', options.validity.expectedUpdate);
  const mso = new Map<string, unknown>([
    ['version', defects.msoVersion ?? '1.0'],
    ['digestAlgorithm', digestAlgorithm],
    ['valueDigests', valueDigests],
    ['deviceKeyInfo', deviceKeyInfo],
    ['docType', defects.msoDocType ?? options.docType],
    ['validityInfo', validityInfo],
  ]);
  if (options.status) mso.set('status', options.status);
  defects.alterMsoBeforeSigning?.(mso);

  // The payload is MobileSecurityObjectBytes = #6.24(bstr .cbor MSO) (§9.1.2.4).
  const payload = encodeCbor(embed(mso));
  const issuerAuth = createSign1(payload, defects.signWithKey ?? options.signer.keys.privateKey, {
    x5chain: defects.omitX5chain ? undefined : [options.signer.der, ...(options.chain ?? [])],
    algOverride: defects.algOverride,
  });
  if (defects.forgeSignature) (issuerAuth[3] as Uint8Array)[5] ^= 0x01;
  if (defects.appleTestId) {
    issuerAuth[1] = new Map<number, unknown>([[33, []]]);
    issuerAuth[3] = new Uint8Array(64);
  }
  if (defects.alterMsoAfterSigning) {
    const altered = new Map(mso);
    defects.alterMsoAfterSigning(altered);
    issuerAuth[2] = encodeCbor(embed(altered));
  }

  if (defects.alterValueAfterSigning) {
    const { nameSpace, elementIdentifier, value } = defects.alterValueAfterSigning;
    const list = items.get(nameSpace);
    const item = list?.find((i) => i.elementIdentifier === elementIdentifier);
    if (!item) throw new KakuninError('INVALID_ARGUMENT', `alterValueAfterSigning: no element ${nameSpace}/${elementIdentifier}`);
    item.bytes = makeItem(item.digestID, elementIdentifier, value);
  }

  return { docType: options.docType, items, issuerAuth, mso, devicePrivateKey, devicePublicKey };
}

function createPublicFrom(privateKey: KeyObject): KeyObject {
  if (privateKey.type !== 'private') throw new KakuninError('INVALID_ARGUMENT', 'deviceKey must be a private key (the holder signs with it)');
  return createPublicKey(privateKey);
}
