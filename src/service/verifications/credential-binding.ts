/**
 * Credential bindings for account_match: a keyed hash of the wallet credential's device key
 * thumbprint, per merchant. HMAC-SHA-256 under a key derived from KAKUNIN_BINDING_KEY and the
 * merchant (a keyed hash of its API key under the binding key), so the same credential gives one
 * merchant the same binding every time and two merchants unrelated ones: they cannot correlate a
 * person through it, and nobody without the deployment's key can compute one. The merchant is not
 * the receipt audience: that one changes with the receipt key, a binding must not.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { CredentialBinder } from '../../policy/index.js';

export interface CredentialBinding {
  /** Who bindings belong to: the caller's API key (undefined without API keys) as a stable keyed name. */
  merchantOf(apiKey: string | undefined): string;
  /** That merchant's binder. */
  binder(merchant: string): CredentialBinder;
}

export function credentialBinding(key: Uint8Array): CredentialBinding {
  return {
    merchantOf: (apiKey) => (apiKey ? `m1.${createHmac('sha256', key).update(`kakunin merchant\0${apiKey}`).digest().subarray(0, 16).toString('base64url')}` : 'sandbox'),
    binder: (merchant) => {
      const merchantKey = createHmac('sha256', key).update(`kakunin credential binding\0${merchant}`).digest();
      return (thumbprint) => `cb1.${createHmac('sha256', merchantKey).update(thumbprint).digest().toString('base64url')}`;
    },
  };
}

/** A key for this process only (sandbox and demo without KAKUNIN_BINDING_KEY): bindings change at restart. */
export function processCredentialBinding(): CredentialBinding {
  return credentialBinding(randomBytes(32));
}
