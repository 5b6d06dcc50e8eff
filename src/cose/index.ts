export * from './algorithms.js';
export * from './key.js';
export * from './sign1.js';
export * from './mac0.js';
export * from './key-pair.js';
