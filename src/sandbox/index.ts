export * from './certificates.js';
export * from './issuer.js';
export * from './issuer-cose.js';
export * from './issuer-documents.js';
export * from './issuer-device-response.js';
export * from './holder-proximity.js';
export * from './holder-proximity-nfc.js';
