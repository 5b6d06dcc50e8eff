/**
 * Why a verification ended other than `verified`, in words a clerk or a customer understands, in
 * Japanese and English, for every code a final state can carry: the verification failure codes of
 * the contract (src/codes), the policy's codes, and the service's own (declined, expired). The
 * counter page and kakunin.js show `reason.ja` / `reason.en` as they are; `reason.code` is for
 * support. `retry` says whether the same customer should simply try again (a process failure) or
 * the answer stands (a refusal, a document that does not verify).
 */
import type { PolicyFailureCode, ServiceReasonCode } from '../../codes/error-codes.js';

/** A code a final state can carry. */
export type ReasonCode = PolicyFailureCode | ServiceReasonCode;

export interface Reason {
  code: ReasonCode;
  ja: string;
  en: string;
  /** The same customer should try again (a process failure), rather than move on. */
  retry: boolean;
  /** The wallet's own error code (declined), for support. */
  detail?: string;
}

export type { ServiceReasonCode };

type Text = Omit<Reason, 'code'>;

const ISSUER = { retry: false };
const PROCESS = { retry: true };

/** Every code, written out: a code added to the contract without text here does not compile. */
const TEXT: Record<ReasonCode, Text> = {
  CBOR_MALFORMED: { ja: 'ウォレットからの応答を読み取れませんでした。もう一度お試しください。', en: "The wallet's answer could not be read. Please try again.", ...PROCESS },
  DOCUMENT_MISSING: { ja: '求めた証明書が提示されませんでした。', en: 'The requested document was not presented.', ...PROCESS },
  DOCTYPE_MISMATCH: { ja: '証明書の種類が発行者の署名と一致しません。', en: "The document type does not match the issuer's signature.", ...ISSUER },
  ISSUER_CERT_MISSING: { ja: '発行者の証明書が含まれていません。', en: "The issuer's certificate is missing.", ...ISSUER },
  ISSUER_CERT_UNTRUSTED: { ja: 'この発行者は確認の対象外です。', en: 'This issuer is not one this check accepts.', ...ISSUER },
  ISSUER_CERT_EXPIRED: { ja: '発行者の証明書の有効期限が切れています。', en: "The issuer's certificate has expired.", ...ISSUER },
  ISSUER_CERT_PROFILE: { ja: '発行者の証明書が規格の要件を満たしていません。', en: "The issuer's certificate does not meet the standard's requirements.", ...ISSUER },
  ISSUER_CERT_REVOKED: { ja: '発行者の証明書は失効しています。', en: "The issuer's certificate has been revoked.", ...ISSUER },
  ISSUER_SIGNATURE_INVALID: { ja: '発行者の署名を確認できませんでした。', en: "The issuer's signature does not verify.", ...ISSUER },
  MSO_INVALID: { ja: '証明書の署名データが正しくありません。', en: "The document's signed data is not valid.", ...ISSUER },
  MSO_NOT_YET_VALID: { ja: '証明書はまだ有効になっていません。', en: 'The document is not valid yet.', ...ISSUER },
  MSO_EXPIRED: { ja: 'ウォレットの証明書の有効期限が切れています。ウォレットで更新してください。', en: 'The document in the wallet has expired. Please update it in the wallet.', ...ISSUER },
  MSO_SIGNED_OUTSIDE_CERT_VALIDITY: { ja: '証明書が発行者の有効期間外に署名されています。', en: "The document was signed outside the issuer's validity period.", ...ISSUER },
  DIGEST_MISMATCH: { ja: '提示された内容が発行時のものと一致しません。', en: 'What was presented does not match what was issued.', ...ISSUER },
  DEVICE_AUTH_MISSING: { ja: 'このスマートフォンでの本人の操作を確認できませんでした。', en: 'The phone did not confirm that its holder presented the document.', ...PROCESS },
  DEVICE_AUTH_INVALID: { ja: 'このスマートフォンでの本人の操作を確認できませんでした。', en: 'The phone did not confirm that its holder presented the document.', ...ISSUER },
  DEVICE_KEY_NOT_AUTHORIZED: { ja: 'スマートフォンが署名できない項目が含まれています。', en: 'The answer holds items the phone may not sign.', ...ISSUER },
  STATUS_REVOKED: { ja: 'この証明書は失効しています。', en: 'This document has been revoked.', ...ISSUER },
  STATUS_UNAVAILABLE: {
    ja: '失効情報を確認できませんでした。しばらくしてからもう一度お試しください。',
    en: 'Whether the document was revoked could not be checked. Please try again shortly.',
    ...PROCESS,
  },
  ELEMENT_NOT_REQUESTED: { ja: '求めていない情報が送られました。もう一度お試しください。', en: 'Information that was not asked for was sent. Please try again.', ...PROCESS },
  ELEMENT_MISSING: { ja: '必要な情報が提示されませんでした。', en: 'The required information was not presented.', ...PROCESS },
  TRANSCRIPT_MISSING: { ja: 'この応答はこの確認のためのものと確認できません。', en: 'The answer could not be tied to this check.', ...PROCESS },
  ISSUING_COUNTRY_MISMATCH: {
    ja: '証明書の発行国・発行地域が発行者の証明書と一致しません。',
    en: "The document's issuing country or jurisdiction does not match its issuer's certificate.",
    ...ISSUER,
  },
  READER_KEY_MISSING: { ja: '読み取りのやり取りを確認できませんでした。もう一度お試しください。', en: 'The reading session could not be checked. Please try again.', ...PROCESS },
  DOCUMENT_NOT_ACCEPTED: { ja: 'この確認に使える証明書ではありません。', en: 'This document cannot be used for this check.', ...ISSUER },
  ISSUER_NOT_ACCEPTED: { ja: 'この確認では、この発行者の証明書は使えません。', en: "This check does not accept this issuer's documents.", ...ISSUER },
  VERIFICATION_FAILED: { ja: '確認できませんでした。', en: 'The check did not succeed.', ...ISSUER },
  DECLINED: { ja: 'スマートフォンで提示が中止されました。', en: 'The presentation was cancelled on the phone.', ...PROCESS },
  WALLET_ERROR: {
    ja: 'ウォレットがこの確認に応答できませんでした。もう一度お試しいただくか、別の方法で確認してください。',
    en: 'The wallet could not answer this check. Please try again, or use another way to verify.',
    ...PROCESS,
  },
  CANCELLED_BY_VERIFIER: { ja: '確認する側（窓口やお店のページ）で中止されました。', en: 'The check was cancelled by the verifier (at the counter or on the page), not on the phone.', ...PROCESS },
  REQUEST_EXPIRED: { ja: '時間内に応答がありませんでした。もう一度お試しください。', en: 'No answer came in time. Please try again.', ...PROCESS },
};

/** Every code the table knows, for tests and documentation. */
export const REASON_CODES = Object.keys(TEXT);

/** The reason for `code`, from the one table of reason texts. */
export function reasonFor(code: ReasonCode): Reason {
  return { code, ...TEXT[code] };
}
