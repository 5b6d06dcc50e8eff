/**
 * Session encryption (ISO 18013-5 §9.1.1.5): AES-256-GCM, IV = 8-byte identifier (0 for messages the
 * reader encrypts, 1 for the mdoc's) || 4-byte big-endian message counter starting at 1, no AAD.
 * The counter is implicit: a replayed, dropped or reordered message is decrypted with the wrong IV
 * and fails authentication, which is exactly how the standard detects it.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ProximityError } from './errors.js';
import type { SessionKeys } from './session-keys.js';

const TAG_LENGTH = 16;
const MAX_COUNTER = 0xffffffff;

export type SessionRole = 'reader' | 'mdoc';

function iv(identifier: 0 | 1, counter: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(identifier, 4);
  b.writeUInt32BE(counter, 8);
  return b;
}

/** One side's encrypt/decrypt state. The reader encrypts with SKReader and decrypts with SKDevice. */
export class SessionCipher {
  private sendCounter = 1;
  private receiveCounter = 1;
  private readonly sendKey: Uint8Array;
  private readonly receiveKey: Uint8Array;
  private readonly sendId: 0 | 1;
  private readonly receiveId: 0 | 1;

  constructor(
    keys: SessionKeys,
    readonly role: SessionRole,
  ) {
    this.sendKey = role === 'reader' ? keys.skReader : keys.skDevice;
    this.receiveKey = role === 'reader' ? keys.skDevice : keys.skReader;
    this.sendId = role === 'reader' ? 0 : 1;
    this.receiveId = role === 'reader' ? 1 : 0;
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    if (this.sendCounter > MAX_COUNTER) throw new ProximityError('SESSION_ENCRYPTION', 'message counter exhausted');
    const c = createCipheriv('aes-256-gcm', this.sendKey, iv(this.sendId, this.sendCounter));
    const out = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    this.sendCounter++;
    return new Uint8Array(out);
  }

  /** Decrypts the next expected message. The counter only moves on success, so an injected message
   * cannot desynchronise the session; the caller still ends it with status 10 as §9.1.1.5 asks. */
  decrypt(ciphertext: Uint8Array): Uint8Array {
    if (ciphertext.length < TAG_LENGTH) throw new ProximityError('SESSION_ENCRYPTION', 'ciphertext shorter than the GCM tag');
    if (this.receiveCounter > MAX_COUNTER) throw new ProximityError('SESSION_ENCRYPTION', 'message counter exhausted');
    const d = createDecipheriv('aes-256-gcm', this.receiveKey, iv(this.receiveId, this.receiveCounter));
    d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LENGTH));
    let out: Buffer;
    try {
      out = Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - TAG_LENGTH)), d.final()]);
    } catch (e) {
      throw new ProximityError('SESSION_ENCRYPTION', `message ${this.receiveCounter} did not decrypt (wrong key, or a replayed, reordered or altered message)`, { cause: e });
    }
    this.receiveCounter++;
    return new Uint8Array(out);
  }

  /** Counters of the next message each way (for tests and diagnostics). */
  get counters(): { send: number; receive: number } {
    return { send: this.sendCounter, receive: this.receiveCounter };
  }
}
