/**
 * Reading the files a person hands the CLI: raw CBOR, hex or base64url, and keys in PEM or hex.
 */
import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KakuninError } from '../codes/error.js';

/** A command line that cannot run (a missing flag, an unreadable file): the CLI prints it with usage. */
export class UsageError extends KakuninError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

export function readFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Raw bytes, or their hex or base64/base64url text form: which one is detected from the content. */
export function decodeBinaryText(data: Uint8Array): Uint8Array {
  // Text forms are ASCII; CBOR of a map or array starts with a byte >= 0x80 or a control byte.
  const text = Buffer.from(data).toString('latin1').trim();
  if (text.length > 0 && /^[0-9a-fA-F\s]+$/.test(text)) {
    const hex = text.replace(/\s+/g, '');
    if (hex.length % 2 === 0) return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  if (text.length > 0 && /^[A-Za-z0-9_\-+/=\s]+$/.test(text)) {
    return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'base64url'));
  }
  return data;
}

/** The reader's ephemeral P-256 private key: PKCS8/SEC1 PEM, or the private scalar d in hex. */
export function readReaderKey(path: string): KeyObject {
  const data = readFile(path);
  const text = Buffer.from(data).toString('latin1').trim();
  try {
    if (text.includes('-----BEGIN')) return createPrivateKey(text);
    if (/^[0-9a-fA-F]{64}$/.test(text)) return p256FromScalar(Buffer.from(text, 'hex'));
    if (data.length === 32) return p256FromScalar(Buffer.from(data));
    return createPrivateKey({ key: Buffer.from(data), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new UsageError(`${path}: not a P-256 private key (PKCS8 PEM or 32-byte hex d): ${(e as Error).message}`);
  }
}

export function p256FromScalar(d: Buffer): KeyObject {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: d.toString('base64url'),
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
}
