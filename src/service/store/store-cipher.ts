/**
 * Encryption at rest for what kakunin keeps in and publishes through Redis: sessions (their decisions
 * and receipts can hold a name, an address, a birth date), request states (ephemeral private keys,
 * nonces) and session events. Redis, its dumps and its replicas see only sealed values.
 *
 * A sealed value is `v1.<kid>.<base64url(iv || ciphertext || tag)>`:
 * - AES-256-GCM, a random 12-byte IV per value (a value is sealed once per write, far below the
 *   2^32 random-IV limit per key);
 * - the Redis key name (or channel name) is the AAD, so a value copied under another key, say one
 *   session's result under another session's id, does not open;
 * - `v1` names this format and `kid` the key (a short HMAC of it, not the key), so a later version can
 *   hold several keys and rotate without reading every value again. Today one key: a value under
 *   another kid is unreadable, and says so, since that is how two instances with different keys fail.
 *
 * A value that does not open is never trusted nor taken for "absent": `open` throws
 * StoreValueUnreadable, which the stores' callers turn into 503 STORE_UNAVAILABLE.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { KakuninError } from '../../codes/error.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const STORE_KEY_BYTES = 32;

/** Why a value did not open: for the operator's log, never the value or the key name. */
export type UnreadableReason = 'malformed' | 'other-key' | 'not-authentic';

export class StoreValueUnreadable extends KakuninError {
  constructor(readonly reason: UnreadableReason) {
    super(
      'STORE_VALUE_UNREADABLE',
      reason === 'other-key'
        ? 'a stored value was sealed under another store key (is KAKUNIN_STORE_KEY the same on every instance?)'
        : reason === 'not-authentic'
          ? 'a stored value failed authentication (altered, or moved from another key)'
          : 'a stored value is not a sealed kakunin value',
    );
    this.name = 'StoreValueUnreadable';
  }
}

export class StoreCipher {
  private readonly key: KeyObject;
  /** Names Redis keys and channels (name()): a key of its own, derived from the store key. */
  private readonly nameKey: KeyObject;
  /** Identifies the key in sealed values; 48 bits of an HMAC under the key, which reveal nothing of it. */
  readonly kid: string;

  private constructor(
    key: Uint8Array,
    private readonly onUnreadable?: (reason: UnreadableReason) => void,
  ) {
    if (key.length !== STORE_KEY_BYTES) throw new KakuninError('INVALID_ARGUMENT', `a store key is ${STORE_KEY_BYTES} bytes, got ${key.length}`);
    this.key = createSecretKey(Buffer.from(key));
    this.kid = createHmac('sha256', this.key).update('kakunin store key id').digest().subarray(0, 6).toString('base64url');
    this.nameKey = createSecretKey(createHmac('sha256', this.key).update('kakunin store names').digest());
  }

  /**
   * The name a bearer value (a verification id, a QR handle, a request state id) has in Redis: 128
   * bits of an HMAC under a key derived from the store key. Every instance with the same store key
   * finds the same record; someone who can read Redis (a replica, a dump, MONITOR) but not the key
   * learns nothing that reads a result through the public API.
   */
  name(bearer: string): string {
    return createHmac('sha256', this.nameKey).update(bearer).digest().subarray(0, 16).toString('base64url');
  }

  /** `onUnreadable` hears of each value that did not open (the service logs it: a key mismatch needs an operator). */
  static fromKey(key: Uint8Array, onUnreadable?: (reason: UnreadableReason) => void): StoreCipher {
    return new StoreCipher(key, onUnreadable);
  }

  /** A key for this process only: what it seals, no other process can open. */
  static generate(onUnreadable?: (reason: UnreadableReason) => void): StoreCipher {
    return new StoreCipher(randomBytes(STORE_KEY_BYTES), onUnreadable);
  }

  seal(name: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${this.kid}.${body.toString('base64url')}`;
  }

  /** The plaintext sealed under `name`; throws StoreValueUnreadable for anything else. */
  open(name: string, sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || !/^[A-Za-z0-9_-]+$/.test(parts[2])) return this.fail('malformed');
    if (parts[1] !== this.kid) return this.fail('other-key');
    const body = Buffer.from(parts[2], 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) return this.fail('malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, body.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return this.fail('not-authentic');
    }
  }

  /** Throws StoreValueUnreadable('other-key') (and reports it) when `kid` names another key. */
  expectKid(kid: string): void {
    if (kid !== this.kid) this.fail('other-key');
  }

  private fail(reason: UnreadableReason): never {
    this.onUnreadable?.(reason);
    throw new StoreValueUnreadable(reason);
  }
}

/**
 * The one accepted form of KAKUNIN_STORE_KEY: 32 random bytes in base64url (43 characters, padding
 * optional), e.g. `node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`.
 * Undefined when the text is not that.
 */
export function parseStoreKey(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]{43}=?$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/=$/, ''), 'base64url');
  return key.length === STORE_KEY_BYTES ? new Uint8Array(key) : undefined;
}
