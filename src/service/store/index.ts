export * from './session-store.js';
export { MemorySessionStore } from './memory-store.js';
export { BUCKETS, RedisSessionStore, outboxKey, outboxKeyFor, recordKey, type RedisOptions } from './redis-store.js';
export { RedisRequestStateStore } from './redis-request-state-store.js';
export { requestStateStoreFor } from './request-state-store.js';
export { StoreCipher, StoreValueUnreadable, parseStoreKey, STORE_KEY_BYTES, type UnreadableReason } from './store-cipher.js';
