/**
 * The RequestStateStore the protocol flows keep their nonces and ephemeral keys in, chosen to match
 * the session store: with sessions in Redis, request states are in the same Redis, so an answer
 * landing on any instance finds its state and a replay on any instance finds it used up. While
 * Redis is away the calls fail as 503 STORE_UNAVAILABLE (retry), like the session store's.
 */
import { MemoryRequestStateStore, type RequestStateStore } from '../../protocols/state/request-state-store.js';
import { KakuninError } from '../../codes/error.js';
import { storeUnavailable } from '../errors.js';
import { RedisSessionStore } from './redis-store.js';
import type { SessionStore } from './session-store.js';

export function requestStateStoreFor(sessions: SessionStore, now: () => Date): RequestStateStore {
  if (!(sessions instanceof RedisSessionStore)) return new MemoryRequestStateStore(() => now().getTime());
  const states = sessions.requestStateStore();
  return {
    put: (id, state, ttlSeconds) => states.put(id, state, ttlSeconds).catch((e: unknown) => Promise.reject(isCollision(e) ? e : storeUnavailable())),
    get: (id, answerDigest) => states.get(id, answerDigest).catch(() => Promise.reject(storeUnavailable())),
    consume: (id, answerDigest) => states.consume(id, answerDigest).catch(() => Promise.reject(storeUnavailable())),
    release: (id) => states.release(id).catch(() => Promise.reject(storeUnavailable())),
  };
}

function isCollision(e: unknown): boolean {
  return e instanceof KakuninError && e.code === 'REQUEST_STATE_COLLISION';
}
