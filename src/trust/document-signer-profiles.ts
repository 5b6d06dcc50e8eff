/**
 * Which extended key usages make a certificate a document signer, per docType, and which docTypes
 * belong to one issuing authority. One table each, with the source of every row; docs/architecture.md
 * repeats them for readers.
 *
 * An anchor's side file may replace the accepted usages for the documents it signs
 * (`documentSignerEku`), so an operator can follow a real issuer without a release.
 */

export const EKU = {
  /** ISO/IEC 18013-5:2021 Annex B: id-mdl-kp-mdlDS, the mDL document signer. */
  MDL_DS: '1.0.18013.5.1.2',
  /** ISO/IEC 23220-4: the document signer of every other mdoc. */
  MDOC_DS: '1.0.23220.4.1.2',
  /** Reader authentication (18013-5, 23220-4): never signs documents. */
  MDL_READER_AUTH: '1.0.18013.5.1.6',
  MDOC_READER_AUTH: '1.0.23220.4.1.6',
  /**
   * EUDI PID rulebook (ARF 1.4 annex, ASN.1 module): id-eudi-iso-pid-kp-DS, under the European
   * Commission's arc 1.3.130. The rulebook notes the assignments below 1.3.130.2 await registration;
   * the EUDI reference issuers ship it all the same.
   */
  EUDI_PID_DS: '1.3.130.2.0.0.1.2',
} as const;

export interface DocumentSignerProfile {
  /** What the row covers, for messages and docs. */
  name: string;
  matches(docType: string): boolean;
  /** The document signer must carry at least one of these. */
  usages: readonly string[];
  source: string;
}

export const DOCUMENT_SIGNER_PROFILES: readonly DocumentSignerProfile[] = [
  {
    name: 'mDL (org.iso.18013.5.1.mDL)',
    matches: (d) => d === 'org.iso.18013.5.1.mDL',
    usages: [EKU.MDL_DS],
    source: 'ISO/IEC 18013-5:2021 Annex B.1.4, Table B.3 (extendedKeyUsage 1.0.18013.5.1.2, mandatory)',
  },
  {
    name: 'ISO/IEC 23220 mdocs (org.iso.23220.*: My Number Card, Photo ID, ...)',
    matches: (d) => d.startsWith('org.iso.23220.'),
    usages: [EKU.MDOC_DS, EKU.MDL_DS],
    source: 'ISO/IEC 23220-4 (document signer 1.0.23220.4.1.2); issuers that reuse their mDL PKI put 1.0.18013.5.1.2, alone or beside it',
  },
  {
    name: 'EU PID (eu.europa.ec.eudi.pid.1, and eu.europa.ec.eudiw.pid.1 of 2024)',
    matches: (d) => d === 'eu.europa.ec.eudi.pid.1' || d === 'eu.europa.ec.eudiw.pid.1',
    usages: [EKU.EUDI_PID_DS, EKU.MDL_DS, EKU.MDOC_DS],
    source:
      'EUDI PID rulebook id-eudi-iso-pid-kp-DS 1.3.130.2.0.0.1.2, which the EUDI reference PID issuer certificates carry alone and critical ' +
      '("PID DS - 0001" 2023-2024, "PID DS - 006" 2024-2026, "PID DS - 003" 2025-2026 under "PID Issuer CA - UT 01": test/vectors/eudi-reference-issuer-pid); ' +
      'EUDI "PID DS - 002" carries both 1.0.18013.5.1.2 and 1.0.23220.4.1.2; the Multipaz and Animo PID signers in test/vectors carry 1.0.18013.5.1.2',
  },
  {
    name: 'EU age verification (eu.europa.ec.av.1)',
    matches: (d) => d === 'eu.europa.ec.av.1',
    usages: [EKU.EUDI_PID_DS, EKU.MDOC_DS, EKU.MDL_DS],
    source:
      'EU age-verification reference signer "Age Verification DS - 001" (2025-2026) carries 1.3.130.2.0.0.1.2 alone and critical (test/vectors/eu-av-spec-annexA-dcapi-example); ' +
      'a non-mDL mdoc, so the 23220-4 usage; reference deployments also use the 18013-5 one',
  },
];

/** Any other docType: one of the two standard document-signer usages. */
export const DEFAULT_DOCUMENT_SIGNER_USAGES: readonly string[] = [EKU.MDL_DS, EKU.MDOC_DS];

/** Usages a document signer for `docType` must carry one of; `override` is an anchor's side file. */
export function documentSignerUsages(docType: string | undefined, override?: readonly string[]): readonly string[] {
  if (override && override.length > 0) return override;
  if (docType === undefined) return DEFAULT_DOCUMENT_SIGNER_USAGES;
  return DOCUMENT_SIGNER_PROFILES.find((p) => p.matches(docType))?.usages ?? DEFAULT_DOCUMENT_SIGNER_USAGES;
}

/**
 * docTypes that one authority issues. Such a docType is accepted only from an anchor whose side
 * file lists it: a custom purpose with no trust sets must not take a "My Number Card" from, say, a
 * US state's IACA.
 */
export const SOLE_AUTHORITY_DOCTYPES: Readonly<Record<string, { authority: string; source: string }>> = {
  'org.iso.23220.1.jp.mnc': {
    authority: 'J-LIS (Japan Agency for Local Authority Information Systems)',
    source: 'J-LIS publishes the only IACA for the My Number Card mdoc (https://www.j-lis.go.jp/pn/mdociaca.html)',
  },
};
