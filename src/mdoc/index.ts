export * from './result.js';
export * from './verify.js';
export * from './device-response.js';
export * from './mso.js';
export * from './device-authentication.js';
export * from './session-transcript.js';
