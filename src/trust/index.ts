export * from './certificate.js';
export * from './store.js';
export * from './chain.js';
export * from './revocation.js';
