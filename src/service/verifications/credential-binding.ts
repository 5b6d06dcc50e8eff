/**
 * Credential bindings for account_match: a keyed hash of the wallet credential's device key
 * thumbprint, per merchant. HMAC-SHA-256 under a key derived from KAKUNIN_BINDING_KEY and the API
 * client (the receipt audience), so the same credential gives one merchant the same binding every
 * time and two merchants unrelated ones: they cannot correlate a person through it, and nobody
 * without the deployment's key can compute one.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { CredentialBinder } from '../../policy/index.js';

/** Makes a merchant's binder; undefined when this deployment has no binding key. */
export type CredentialBinding = (client: string) => CredentialBinder;

export function credentialBinding(key: Uint8Array): CredentialBinding {
  return (client) => {
    const merchantKey = createHmac('sha256', key).update(`kakunin credential binding\0${client}`).digest();
    return (thumbprint) => `cb1.${createHmac('sha256', merchantKey).update(thumbprint).digest().toString('base64url')}`;
  };
}

/** A key for this process only (sandbox and demo without KAKUNIN_BINDING_KEY): bindings change at restart. */
export function processCredentialBinding(): CredentialBinding {
  return credentialBinding(randomBytes(32));
}
