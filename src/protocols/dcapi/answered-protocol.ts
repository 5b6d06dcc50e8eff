/**
 * The protocol a Digital Credentials API answer is labelled with is the browser's word; the answer's
 * own form says which request it answers: an Annex C `response` is base64url CBOR, an OpenID4VP one
 * a compact JWE whose `kid` names the key of one OpenID4VP request (each protocol offered has its own,
 * digital-credential-request.ts), or the plain parameters (vp_token, error). An answer whose form
 * belongs to another request than its label is refused with PROTOCOL_MISMATCH before anything is
 * opened, so a relabelled answer never passes for one to a request it did not answer.
 */
import { ProtocolError } from '../errors.js';
import type { PresentationState } from '../state/presentation-state.js';

/** The kid of a compact JWE's protected header, or undefined when it has none or is not one. */
function jweKid(compact: string): string | undefined {
  const parts = compact.split('.');
  if (parts.length !== 5) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    return header && typeof header === 'object' && typeof (header as { kid?: unknown }).kid === 'string' ? (header as { kid: string }).kid : undefined;
  } catch {
    return undefined;
  }
}

/** Which offered request the answer's form belongs to: a protocol, "openid4vp" when it cannot tell which OpenID4VP one, or undefined when its form says nothing (the opener will judge it). */
function answeredBy(data: unknown, state: PresentationState): string | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d.response === 'string') {
    if (!d.response.includes('.')) return 'org-iso-mdoc';
    const kid = jweKid(d.response);
    const own = kid === undefined ? undefined : Object.entries(state.dcApiOid4vp ?? {}).find(([, sent]) => sent.kid === kid)?.[0];
    return own ?? 'openid4vp';
  }
  if ('vp_token' in d || 'error' in d) return 'openid4vp';
  return undefined;
}

/** Throws PROTOCOL_MISMATCH when the answer labelled `protocol` is, by its form, an answer to another request. */
export function checkAnsweredProtocol(protocol: string, data: unknown, state: PresentationState): void {
  const by = answeredBy(data, state);
  if (by === undefined || by === protocol) return;
  if (by === 'openid4vp' && protocol.startsWith('openid4vp-v1-')) return;
  const named = by === 'openid4vp' ? 'an OpenID4VP request' : `the ${by} request`;
  throw new ProtocolError('PROTOCOL_MISMATCH', `the answer is labelled ${protocol.slice(0, 40)} but answers ${named}`);
}
