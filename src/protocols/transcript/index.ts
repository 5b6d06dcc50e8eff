export { sha256, onlineSessionTranscript, hashedHandover } from './session-transcript.js';
export { jwkThumbprint } from '../../cose/jwk-thumbprint.js';
export * from './openid4vp-handover.js';
export * from './openid4vp-dcapi-handover.js';
export * from './dcapi-handover.js';
export * from './iso-proximity.js';
