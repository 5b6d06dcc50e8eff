/**
 * Element sets for the documents kakunin meets most: the My Number Card as Apple Wallet carries it
 * (ISO/IEC 23220-1 namespaces plus the Japanese one) and the ISO 18013-5 mDL. All data is fictional.
 */
import { FullDate } from '../cbor/types.js';
import type { ElementValues } from './issuer.js';

export const MNC_DOCTYPE = 'org.iso.23220.1.jp.mnc';
export const MNC_NS = 'org.iso.23220.1';
export const MNC_JP_NS = 'org.iso.23220.1.jp';
export const MDL_DOCTYPE = 'org.iso.18013.5.1.mDL';
export const MDL_NS = 'org.iso.18013.5.1';

/**
 * Whole years from `birthDate` (YYYY-MM-DD) to `at`, by the calendar (UTC).
 *
 * @example
 * ```ts
 * import { calculateAge } from 'kakunin/sandbox';
 * console.log(calculateAge('2006-04-02', new Date('2026-04-01T12:00:00Z'))); // 19: the birthday is tomorrow
 * ```
 */
export function calculateAge(birthDate: string, at: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number);
  let age = at.getUTCFullYear() - y;
  const beforeBirthday = at.getUTCMonth() + 1 < m || (at.getUTCMonth() + 1 === m && at.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age;
}

export interface MyNumberCardPerson {
  /** YYYY-MM-DD. */
  birthDate: string;
  /** ISO/IEC 5218: 1 male, 2 female, 0 unknown, 9 not applicable. */
  sex: number;
  fullName: string;
  residentAddress: string;
  /** 市区町村コード, six digits with the check digit, e.g. "131016" (Chiyoda, Tokyo). */
  localGovCode: string;
  individualNumber: string;
  /** The sex as printed on the card; default 男/女 from `sex`. */
  sexUnicode?: string;
  portrait?: Uint8Array;
}

export const SAMPLE_MNC_PERSON: Readonly<MyNumberCardPerson> = Object.freeze({
  birthDate: '1990-04-01',
  sex: 2,
  fullName: '確認 花子',
  residentAddress: '東京都千代田区千代田1-1',
  localGovCode: '131016',
  // Fictional, but with a correct check digit (8) so format checks downstream treat it as real.
  individualNumber: '123456789018',
});

/** The ages for which age_over_NN is issued when the caller does not choose. */
export const DEFAULT_AGE_THRESHOLDS = [18, 20, 21, 65] as const;

/**
 * My Number Card elements at time `at` (which fixes age_in_years and the age_over_NN answers).
 *
 * @example
 * ```ts
 * import { MNC_NS, createMyNumberCardElements, SAMPLE_MNC_PERSON } from 'kakunin/sandbox';
 * const elements = createMyNumberCardElements({ ...SAMPLE_MNC_PERSON, birthDate: '2000-01-01' }, new Date(), [20]);
 * console.log(elements[MNC_NS].age_over_20); // true
 * ```
 */
export function createMyNumberCardElements(person: MyNumberCardPerson = SAMPLE_MNC_PERSON, at: Date, ageThresholds: readonly number[] = DEFAULT_AGE_THRESHOLDS): ElementValues {
  const age = calculateAge(person.birthDate, at);
  const iso: Record<string, unknown> = {};
  for (const n of ageThresholds) iso[`age_over_${String(n).padStart(2, '0')}`] = age >= n;
  iso.age_in_years = age;
  iso.birth_date = new FullDate(person.birthDate);
  iso.sex = person.sex;
  const jp: Record<string, unknown> = {
    full_name_unicode: person.fullName,
    resident_address_unicode: person.residentAddress,
    local_gov_code_unicode: person.localGovCode,
    birth_date_unicode: person.birthDate,
    sex_unicode: person.sexUnicode ?? ({ 1: '男', 2: '女' } as Record<number, string>)[person.sex] ?? '',
    individual_number_unicode: person.individualNumber,
  };
  if (person.portrait) jp.portrait = person.portrait;
  return { [MNC_NS]: iso, [MNC_JP_NS]: jp };
}

export interface MdlHolder {
  familyName: string;
  givenName: string;
  birthDate: string;
  issueDate: string;
  expiryDate: string;
  issuingCountry: string;
  issuingAuthority: string;
  documentNumber: string;
  residentAddress?: string;
  portrait?: Uint8Array;
  /** [{vehicle_category_code, issue_date?, expiry_date?}] */
  drivingPrivileges?: { vehicle_category_code: string; issue_date?: string; expiry_date?: string }[];
}

export const SAMPLE_MDL_HOLDER: Readonly<MdlHolder> = Object.freeze({
  familyName: 'Sandbox',
  givenName: 'Alex',
  birthDate: '1985-07-15',
  issueDate: '2024-01-10',
  expiryDate: '2034-01-10',
  issuingCountry: 'US',
  issuingAuthority: 'kakunin sandbox DMV',
  documentNumber: 'SBX1234567',
  drivingPrivileges: [{ vehicle_category_code: 'B', issue_date: '2024-01-10', expiry_date: '2034-01-10' }],
});

/**
 * mDL elements (ISO 18013-5 §7.2.1) at time `at`.
 *
 * @example
 * ```ts
 * import { MDL_NS, createMdlElements, SAMPLE_MDL_HOLDER } from 'kakunin/sandbox';
 * const elements = createMdlElements({ ...SAMPLE_MDL_HOLDER, familyName: 'Sato' }, new Date());
 * console.log(elements[MDL_NS].family_name); // 'Sato'
 * ```
 */
export function createMdlElements(holder: MdlHolder = SAMPLE_MDL_HOLDER, at: Date, ageThresholds: readonly number[] = [18, 21]): ElementValues {
  const age = calculateAge(holder.birthDate, at);
  const ns: Record<string, unknown> = {
    family_name: holder.familyName,
    given_name: holder.givenName,
    birth_date: new FullDate(holder.birthDate),
    issue_date: new FullDate(holder.issueDate),
    expiry_date: new FullDate(holder.expiryDate),
    issuing_country: holder.issuingCountry,
    issuing_authority: holder.issuingAuthority,
    document_number: holder.documentNumber,
    un_distinguishing_sign: holder.issuingCountry === 'US' ? 'USA' : holder.issuingCountry,
    driving_privileges: (holder.drivingPrivileges ?? []).map((p) => {
      const m = new Map<string, unknown>([['vehicle_category_code', p.vehicle_category_code]]);
      if (p.issue_date) m.set('issue_date', new FullDate(p.issue_date));
      if (p.expiry_date) m.set('expiry_date', new FullDate(p.expiry_date));
      return m;
    }),
    age_in_years: age,
  };
  for (const n of ageThresholds) ns[`age_over_${String(n).padStart(2, '0')}`] = age >= n;
  if (holder.residentAddress) ns.resident_address = holder.residentAddress;
  if (holder.portrait) ns.portrait = holder.portrait;
  return { [MDL_NS]: ns };
}
