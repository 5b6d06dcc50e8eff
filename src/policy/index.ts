export * from './purpose.js';
export * from './documents.js';
export { ageOverPurpose, type AgeOverOptions } from './age-over.js';
export { residencyPurpose, type ResidencyOptions } from './residency.js';
export { kycPurpose, type KycOptions } from './kyc.js';
export { elementsPurpose, type ElementsOptions } from './custom-elements.js';
export { reduceToDecision } from './reduce.js';
export { loadPurposes, parsePurposesConfig, presetPurposes, PolicyConfigError, DEFAULT_MUNICIPALITIES } from './config.js';
export { purposesConfigSchema } from './config-schema.js';
