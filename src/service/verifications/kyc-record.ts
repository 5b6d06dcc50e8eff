/**
 * The part of a 確認記録 (verification record) kakunin can attest, carried in the signed receipt of an
 * identity check. 犯罪による収益の移転防止に関する法律 (Act on Prevention of Transfer of Criminal
 * Proceeds) Art. 6 obliges the business to make and keep a 確認記録 for each 取引時確認; its
 * Ordinance for Enforcement (施行規則) Art. 20 lists what it records. kakunin can attest when the check
 * was made, by which method, on which document from which issuer, which 本人特定事項 (identifying
 * items) were verified, and under which verification id; the business adds what only it knows (who
 * made the record, the transaction, the customer's account) and keeps the receipt. kakunin keeps
 * nothing. The My Number is never in it. docs/japan.md has the sources and what is unconfirmed.
 */
import type { Decision } from '../../policy/index.js';

export interface KycRecord {
  /** The provisions the record serves. */
  法令: string;
  /** 本人特定事項の確認を行った日時 (ISO 8601, UTC). */
  確認日時: string;
  /** 本人特定事項の確認の方法. */
  確認方法: string;
  /** 本人確認書類: the document presented (docType) and who issued it. */
  本人確認書類: { 種類: string; docType: string; 発行者: string };
  /** 本人特定事項: the attributes verified from the issuer's signature (their values are in `decision`). */
  確認した本人特定事項: string[];
  /** The verification this record belongs to (the receipt's sub). */
  確認番号: string;
}

const DOCUMENT_NAMES: Record<string, string> = {
  'org.iso.23220.1.jp.mnc': '個人番号カード（スマートフォン搭載、ISO/IEC 18013-5 mdoc）',
  'org.iso.18013.5.1.mDL': '運転免許証に相当する mDL（ISO/IEC 18013-5）',
};

const ITEM_NAMES: Record<string, string> = { name: '氏名', address: '住居', birth_date: '生年月日', portrait: '顔写真' };

export function kycRecord(verificationId: string, decision: Decision, at: Date): KycRecord {
  const attributes = decision.value?.kind === 'attributes' ? Object.keys(decision.value.attributes) : [];
  const docType = decision.docType ?? '';
  return {
    法令: '犯罪による収益の移転防止に関する法律 第6条（確認記録の作成義務）、同法施行規則 第20条（確認記録の記録事項）',
    確認日時: at.toISOString(),
    確認方法: 'スマートフォンのウォレットからの電子的な提示: 発行者の電子署名（IACA までの証明書チェーン）と、提示に用いた端末の鍵による当該取引のための署名を検証（ISO/IEC 18013-5）',
    本人確認書類: { 種類: DOCUMENT_NAMES[docType] ?? docType, docType, 発行者: decision.issuer?.subject ?? '' },
    確認した本人特定事項: attributes.map((a) => ITEM_NAMES[a] ?? a),
    確認番号: verificationId,
  };
}
