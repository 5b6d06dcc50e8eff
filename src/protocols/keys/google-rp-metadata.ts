/**
 * Google Wallet's relying-party metadata. Google signs a relying party's certificate and gives it a
 * base64url string, `gw_rp_metadata_bytes`; the certificate carries extension 1.3.6.1.4.1.11129.10.1
 * (non-critical), an OCTET STRING holding SHA-256 of RelyingPartyMetadataBytes =
 * #6.24(bstr .cbor RelyingPartyMetadata), RelyingPartyMetadata = {"schema_version": tstr,
 * "display": DisplayInfo, ? "aggregator_info": DisplayInfo}, DisplayInfo = {"display_name",
 * "logo_uri", "privacy_policy_uri"} (Google Wallet developer documentation, "Verifier Registrar
 * Onboarding Guide" and "Online acceptance of digital credentials", read 2026-11-25).
 *
 * What is not published (as far as we found): where in a request the wallet wants the bytes, and
 * whether the string is RelyingPartyMetadataBytes or the bare map. So this reads both forms, checks
 * the metadata against the certificate at start, and names what it shows the person.
 */
import { createHash } from 'node:crypto';
import * as x509 from '../../trust/x509.js';
import { asMap, asText, decodeCbor, decodeEmbedded, embedBytes, type EncodedCbor } from '../../cbor/index.js';
import { KakuninError } from '../../codes/error.js';

export const GOOGLE_RP_METADATA_OID = '1.3.6.1.4.1.11129.10.1';

export interface RelyingPartyDisplay {
  display_name: string;
  logo_uri: string;
  privacy_policy_uri: string;
}

export interface RelyingPartyMetadata {
  schema_version: string;
  display: RelyingPartyDisplay;
  aggregator_info?: RelyingPartyDisplay;
}

function display(value: unknown, what: string): RelyingPartyDisplay {
  const m = asMap(value, what, 'INVALID_ARGUMENT');
  const field = (name: string) => asText(m.get(name), `${what}.${name}`, 'INVALID_ARGUMENT');
  return { display_name: field('display_name'), logo_uri: field('logo_uri'), privacy_policy_uri: field('privacy_policy_uri') };
}

/** gw_rp_metadata_bytes as given: RelyingPartyMetadataBytes (#6.24) or the bare map, base64url. */
export function parseGoogleRpMetadata(b64u: string): { metadata: RelyingPartyMetadata; bytes: EncodedCbor } {
  const raw = new Uint8Array(Buffer.from(b64u.trim(), 'base64url'));
  if (raw.length === 0) throw new KakuninError('INVALID_ARGUMENT', 'gw_rp_metadata_bytes is empty or not base64url');
  let bytes: EncodedCbor;
  try {
    const outer = decodeCbor(raw);
    bytes = outer instanceof Map ? embedBytes(raw) : (outer as EncodedCbor);
    const m = asMap(decodeEmbedded(bytes), 'RelyingPartyMetadata', 'INVALID_ARGUMENT');
    const metadata: RelyingPartyMetadata = {
      schema_version: asText(m.get('schema_version'), 'schema_version', 'INVALID_ARGUMENT'),
      display: display(m.get('display'), 'display'),
      ...(m.has('aggregator_info') ? { aggregator_info: display(m.get('aggregator_info'), 'aggregator_info') } : {}),
    };
    return { metadata, bytes };
  } catch (e) {
    throw new KakuninError('INVALID_ARGUMENT', `gw_rp_metadata_bytes is not RelyingPartyMetadata: ${(e as Error).message}`, { cause: e });
  }
}

/** The SHA-256 the certificate's Google extension holds, when it has one. */
export function googleRpMetadataDigest(certificateDer: Uint8Array): Uint8Array | undefined {
  const ext = new x509.X509Certificate(certificateDer as BufferSource).getExtension(GOOGLE_RP_METADATA_OID);
  if (!ext) return undefined;
  const value = new Uint8Array(ext.value);
  // DER OCTET STRING of 32 bytes: 04 20 || digest.
  if (value.length !== 34 || value[0] !== 0x04 || value[1] !== 0x20) throw new KakuninError('INVALID_ARGUMENT', `extension ${GOOGLE_RP_METADATA_OID} is not an OCTET STRING of 32 bytes`);
  return value.subarray(2);
}

/**
 * Which of `certificates` (leaf DERs) carries the Google extension, and whether it matches the
 * metadata. `matched` false means none did: the pair does not belong together, or Google hashes a
 * form we do not know of (see above).
 */
export function checkGoogleRpMetadata(certificates: Uint8Array[], bytes: EncodedCbor): { withExtension: number; matched: boolean } {
  const expected = createHash('sha256').update(bytes.tagged).digest();
  let withExtension = 0;
  let matched = false;
  for (const der of certificates) {
    const digest = googleRpMetadataDigest(der);
    if (!digest) continue;
    withExtension++;
    // Either form of the string: the tagged bytes or the bare map.
    if (Buffer.from(digest).equals(expected) || Buffer.from(digest).equals(createHash('sha256').update(bytes.bytes).digest())) matched = true;
  }
  return { withExtension, matched };
}
