/**
 * What a purpose is: the fewest elements to ask each accepted document for, and how to reduce the
 * verified elements to the decision it reports. Requests and decisions are plain data so that the
 * protocol layer can turn an ask into DCQL or a DeviceRequest and the service can store a decision.
 */
import type { PolicyFailureCode } from '../codes/error-codes.js';
import type { DocumentResult, VerificationResult } from '../mdoc/result.js';
import type { AccountReference, CredentialBinder } from './account-reference.js';
import type { FieldResult } from './compare/field-result.js';

/** One element a purpose asks for (nameSpace, elementIdentifier) and whether the verifier keeps its value. */
export interface ElementRef {
  nameSpace: string;
  elementIdentifier: string;
  /** ISO 18013-5 IntentToRetain: the verifier will keep the value after the transaction. */
  intentToRetain: boolean;
}

/**
 * The ask for one docType. `claimSets` are alternatives in order of preference (DCQL claim_sets):
 * the wallet answers with the first it can satisfy. Protocols without alternatives (an ISO
 * DeviceRequest) send the first set only, which is always the minimal one.
 */
export interface DocumentAsk {
  docType: string;
  claimSets: ElementRef[][];
}

export type { PolicyFailureCode };

/** The minimal answer a purpose reports. Only the fields the purpose is configured to report. */
export type DecisionValue =
  | { kind: 'age_over'; threshold: number; over: boolean }
  /** `municipalities`: the codes the purpose accepts (configuration, never the holder's data), so an
   * answer reads "resident of 131016: yes". */
  | { kind: 'residency'; resident: boolean; municipalities: string[]; code?: string }
  | { kind: 'attributes'; attributes: Record<string, string | number | boolean> }
  /** "Is this the account holder?": the comparison with the merchant's reference, never the values. */
  | {
      kind: 'account_match';
      /** The merchant's own account id, as given. */
      account: string;
      /** Every compared field matched or is a variant, and `same_credential` is not false. */
      match: boolean;
      fields: { name: FieldResult; birth_date: FieldResult; address?: FieldResult };
      /** When the reference carried a binding: whether this is the same wallet credential. */
      same_credential?: boolean;
      /** When the reference asked for one: this credential's binding, for later checks. */
      binding?: string;
    };

/** How an answer reaches kakunin: the Digital Credentials API (bound to the page's origin) or OpenID4VP by QR code or link. */
export type Channel = 'dc_api' | 'openid4vp';

/**
 * The minimal answer a purpose reports (e.g. over 20: yes), with the outcome, the docType, the issuer and the failure codes; never more than the purpose needs.
 */
export interface Decision {
  purpose: string;
  /**
   * `test`: an integrator test ID (Apple's) answered, with the session signed by a real device but
   * no issuer behind the data. Only a sandbox that asked for test IDs ever reports it; it is never
   * an identity, and pages and receipts say TEST.
   */
  outcome: 'verified' | 'failed' | 'test';
  /** Present when outcome is verified or test. */
  value?: DecisionValue;
  /** The document the decision rests on. No personal data: docType and the issuer's public identity. */
  docType?: string;
  issuer?: { subject: string; country?: string; trustSet?: string; anchor?: string };
  /** Verified under KAKUNIN_REVOCATION=warn although no current list could say whether the issuer
   * revoked the document: the merchant and the receipt are told. */
  revocation?: 'unavailable';
  failureCodes: PolicyFailureCode[];
}

/**
 * Why a verifier asks, and so what: which documents and elements it requests, from which trust sets, and how the answer is reduced to a minimal decision.
 */
export interface Purpose {
  name: string;
  /** What the page shows on the button and over the result. */
  label: { ja: string; en: string };
  /** Documents it accepts, in order of preference, with what to ask each for. */
  documents: DocumentAsk[];
  /** residency: the 市区町村コード it accepts, so that a page can name the place while it waits. */
  municipalities?: readonly string[];
  /** Trust-store sets whose anchors it accepts; empty means every anchor in the trust store. */
  trustSets: string[];
  /**
   * Why this purpose may collect the My Number (個人番号, individual_number_unicode): the use 番号法
   * lists, as the operator declares it. Required of exactly such purposes (my-number.ts).
   */
  legalBasis?: string;
  /** The channels it may be answered on; absent: every channel. */
  channels?: readonly Channel[];
  /**
   * Purposes that compare with a reference (account_match): the purpose of one verification, for
   * one reference. A purpose that has it decides nothing until given its reference.
   */
  forAccount?(reference: AccountReference, binder: CredentialBinder): Purpose;
  /** Reduces a verified document of an accepted type to the decision value; `at` is the verification time. */
  decide(document: DocumentResult, at: Date): DecisionValue | { missing: true };
}

export type { VerificationResult };
