/**
 * The way back to the merchant's page after the same-device OpenID4VP flow (OpenID4VP 1.0 §8.2, and
 * §13.3 on session fixation). A verification created with `options.redirect_uri` answers the
 * wallet's POST to response_uri with that URI and `#response_code=...`; the page the wallet then
 * opens hands the code back (POST /v1/verifications/{id}/response-code) before it trusts the
 * result. A page that merely holds a relayed verification never gets the code: it went to the
 * browser on the phone that answered.
 *
 * A code is 128 random bits, bound to one verification and good once. It lives in the request-state
 * store (Redis when instances share one), whose atomic `consume` makes "once" hold across instances,
 * and whose key names are keyed hashes: the code, a bearer value, is never a key.
 */
import { randomBytes } from 'node:crypto';
import type { ServiceContext } from '../context.js';
import { ServiceError } from '../errors.js';
import { publicView, type SessionEvent, type VerificationSession } from './session.js';

const CODE = /^[A-Za-z0-9_-]{22}$/;
const keyOf = (code: string) => `response_code:${code}`;
const invalid = () => new ServiceError('RESPONSE_CODE_INVALID', 'this response code is unknown, was used already, or belongs to another verification');

/**
 * The redirect_uri for the wallet, with a new code for `session` (which has its result), or nothing
 * when the verification has no redirect_uri. Should the store fail, the wallet gets no redirect: the
 * result is written, and a 503 would only make the wallet retry into a 409.
 */
export async function wayBack(ctx: ServiceContext, session: VerificationSession): Promise<{ redirect_uri?: string }> {
  if (!session.redirectUri) return {};
  const code = randomBytes(16).toString('base64url');
  try {
    await ctx.responseCodes.put(keyOf(code), session.id, ctx.config.resultTtlSeconds);
  } catch (e) {
    ctx.logger.warn({ ref: ctx.logRef(session.id), err: (e as Error).message }, 'no response code kept: the wallet is not sent back to the page');
    return {};
  }
  return { redirect_uri: `${session.redirectUri}#response_code=${code}` };
}

/** The result of `session` for the page that holds its response code; the code is used up. */
export async function redeemResponseCode(ctx: ServiceContext, session: VerificationSession, code: string): Promise<SessionEvent> {
  const codes = ctx.responseCodes;
  if (!CODE.test(code)) throw invalid();
  // Read first: the wrong verification's id neither takes the code nor uses it up.
  if ((await codes.get(keyOf(code))) !== session.id) throw invalid();
  // Of several calls with the code, the first uses it up (each call is its own "answer").
  if ((await codes.consume(keyOf(code), randomBytes(16).toString('base64url'))) !== session.id) throw invalid();
  await codes.release(keyOf(code)).catch(() => undefined);
  return publicView(session, ctx.now());
}
