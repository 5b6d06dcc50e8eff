/**
 * The name of one wallet answer: SHA-256 of what arrived, base64url. A request state used up by an
 * answer remembers this digest, so the same answer sent again (a wallet or load balancer retrying a
 * POST that got no reply) is recognised and may finish the work, while any other answer is a replay.
 *
 * Bytes and strings are hashed as they are. A body the HTTP layer has already parsed (a form, a JSON
 * object) is hashed in a canonical JSON form, keys sorted: the same bytes always parse to the same
 * value, so a retried POST gets the same digest on any instance.
 */
import { createHash } from 'node:crypto';
import { ProtocolError } from '../errors.js';

/** Answers are a few levels deep ({protocol, data: {response}}); deeper is not an answer. */
const MAX_DEPTH = 16;

export function answerDigest(answer: unknown): string {
  const hash = createHash('sha256');
  if (answer instanceof Uint8Array) hash.update(answer);
  else if (typeof answer === 'string') hash.update(answer, 'utf8');
  else hash.update(canonicalJson(answer, 0), 'utf8');
  return hash.digest('base64url');
}

function canonicalJson(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new ProtocolError('RESPONSE_MALFORMED', 'the response is nested too deeply');
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], depth + 1)}`);
    return `{${entries.join(',')}}`;
  }
  // undefined (absent) and functions have no JSON form; they cannot come from a parsed body.
  return JSON.stringify(value) ?? 'null';
}
