/**
 * While the session store is away (Redis restarting, unreachable), every call that needs it fails.
 * Those failures are not the client's fault nor a bug: they become 503 STORE_UNAVAILABLE, which the
 * error handler sends with Retry-After, so clients and wallets retry instead of seeing a bare 500.
 * Nothing is half-done: a create that failed stored nothing the client knows of, and an answer that
 * failed anywhere before its result was written can be sent again, to any instance, and finishes
 * (its request state and claim recognise the same answer; see verifications/lifecycle.ts).
 */
import { ServiceError, storeUnavailable } from '../errors.js';
import type { SessionStore } from './index.js';

export function storeUnavailableAs503(store: SessionStore): SessionStore {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof ServiceError) throw e;
        throw storeUnavailable();
      }
    };
  return {
    kind: store.kind,
    create: wrap(store.create.bind(store)),
    get: wrap(store.get.bind(store)),
    resolve: wrap(store.resolve.bind(store)),
    update: wrap(store.update.bind(store)),
    claim: wrap(store.claim.bind(store)),
    complete: wrap(store.complete.bind(store)),
    subscribe: wrap(store.subscribe.bind(store)),
    ping: store.ping.bind(store),
    close: store.close.bind(store),
  };
}
