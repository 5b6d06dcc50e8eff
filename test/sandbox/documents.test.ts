import { describe, expect, it } from 'vitest';
import { FullDate } from '../../src/cbor/index.js';
import { calculateAge, MDL_NS, createMdlElements, MNC_JP_NS, MNC_NS, createMyNumberCardElements, SAMPLE_MNC_PERSON } from '../../src/sandbox/index.js';

/** The My Number check digit (番号法施行令 §8): weights 2..7,2..6 from the right, mod 11. */
function myNumberCheckDigit(first11: string): number {
  const digits = [...first11].reverse().map(Number);
  const sum = digits.reduce((acc, p, i) => acc + p * (i < 6 ? i + 2 : i - 4), 0);
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

describe('sandbox document element sets', () => {
  it('calculateAge counts whole years by the calendar', () => {
    expect(calculateAge('2006-06-02', new Date('2026-06-01T23:59:59Z'))).toBe(19);
    expect(calculateAge('2006-06-02', new Date('2026-06-02T00:00:00Z'))).toBe(20);
    expect(calculateAge('2004-02-29', new Date('2026-02-28T00:00:00Z'))).toBe(21);
  });

  it('My Number Card: age_over_NN follow the birth date at the given time', () => {
    const person = { ...SAMPLE_MNC_PERSON, birthDate: '2006-06-02' };
    const before = createMyNumberCardElements(person, new Date('2026-06-01T00:00:00Z'));
    const after = createMyNumberCardElements(person, new Date('2026-06-02T00:00:00Z'));
    expect(before[MNC_NS]).toMatchObject({ age_over_18: true, age_over_20: false, age_in_years: 19 });
    expect(after[MNC_NS]).toMatchObject({ age_over_18: true, age_over_20: true, age_over_21: false, age_in_years: 20 });
    expect(after[MNC_NS].birth_date).toEqual(new FullDate('2006-06-02'));
    expect(after[MNC_JP_NS]).toMatchObject({ birth_date_unicode: '2006-06-02', sex_unicode: '女', local_gov_code_unicode: '131016' });
    expect(after[MNC_JP_NS].portrait).toBeUndefined();
  });

  it('the sample individual number has a valid check digit', () => {
    const n = SAMPLE_MNC_PERSON.individualNumber;
    expect(n).toMatch(/^\d{12}$/);
    expect(myNumberCheckDigit(n.slice(0, 11))).toBe(Number(n[11]));
  });

  it('mDL: full-dates, driving privileges as maps, age flags', () => {
    const mdl = createMdlElements(undefined, new Date('2026-06-01T00:00:00Z'))[MDL_NS];
    expect(mdl.birth_date).toEqual(new FullDate('1985-07-15'));
    expect(mdl.age_over_21).toBe(true);
    expect(mdl.age_in_years).toBe(40);
    const [privilege] = mdl.driving_privileges as Map<string, unknown>[];
    expect(privilege.get('vehicle_category_code')).toBe('B');
    expect(privilege.get('expiry_date')).toEqual(new FullDate('2034-01-10'));
  });
});
