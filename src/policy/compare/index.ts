export { compareName } from './name.js';
export { compareBirthDate, isCalendarDate } from './birth-date.js';
export { compareAddress, normalizeAddress } from './address.js';
export { normalizeText, sameUpToVariants, type FieldResult } from './field-result.js';
export { areKanjiVariants } from './kanji-variants.js';
