export { decodeCbor, decodeEmbedded, DEFAULT_LIMITS, type DecodeLimits } from './decode.js';
export { encodeCbor, embed, embedBytes, cborHead, concat, tdateString } from './encode.js';
export { EncodedCbor, FullDate, Tagged, Simple, type CborMap } from './types.js';
export { CborError } from './errors.js';
export * from './read.js';
