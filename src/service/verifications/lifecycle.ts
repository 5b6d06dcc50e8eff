/**
 * The verification lifecycle, as plain functions the routes call: create, serve the request object,
 * accept one answer (direct_post.jwt or DC API), verify, decide, sign, notify.
 *
 * States: pending -> (retrieved) -> verified | failed; a session nobody answers expires.
 * "verified" means the check completed (an "over 20: no" is verified); "failed" means the answer
 * did not verify and the failure codes say why.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { reduceToDecision, type AccountReference, type Decision, type Purpose } from '../../policy/index.js';
import { isCalendarDate } from '../../policy/compare/index.js';
import { answerDigest } from '../../protocols/state/answer-digest.js';
import { SANDBOX_AUDIENCE } from '../http/api-key.js';
import { DECLINE_BURST } from './decline-watch.js';
import type { ServiceContext } from '../context.js';
import { conflict, gone, notFound, ServiceError } from '../errors.js';
import { checkWebhookUrl } from '../webhooks/ssrf.js';
import { reasonFor } from './reasons.js';
import { redeemResponseCode, wayBack } from './response-code.js';
import type { AnsweredBy } from './receipts.js';
import { FINAL_STATES, hasExpired, publicView, type SessionEvent, type VerificationSession, type VerificationState } from './session.js';
import type { AnsweredResult, RequestRefs, VerifyAnswerOptions, WalletErrorAnswer } from './wallet-protocols.js';
import type { OutboxEntry } from '../store/index.js';
import type { WebhookDelivery } from '../webhooks/delivery.js';

export interface CreateVerificationOptions {
  purpose: string;
  /** account_match: the merchant's reference. */
  account?: AccountReference;
  options?: { origin?: string; webhook_url?: string; redirect_uri?: string };
}

export interface CreatedVerification {
  id: string;
  purpose: string;
  state: 'pending';
  /**
   * The QR code's link, and where its SVG is drawn (on demand: a wallet link or a DC API page needs
   * none). Absent when the purpose does not offer the OpenID4VP channel.
   */
  qr?: { uri: string; svg_url: string };
  expires_at: string;
  /** The `aud` the receipt of this verification will carry: check it when you verify the receipt. */
  receipt_audience: string;
  /** The web origin the Digital Credentials API request is bound to (options.origin, or PUBLIC_URL's). */
  origin: string;
  links: { self: string; events: string; dcapi_request: string; dcapi_response: string };
}

const ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

/** 128 random bits, base64url: unguessable, so the id itself is the right to read the result. */
function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** `apiKey`: the key the caller presented (undefined without API keys, in sandbox mode). */
export async function createVerification(ctx: ServiceContext, input: CreateVerificationOptions, apiKey?: string): Promise<CreatedVerification> {
  const configured = ctx.purposes.get(input.purpose);
  if (!configured) throw new ServiceError('UNKNOWN_PURPOSE', `unknown purpose; known: ${[...ctx.purposes.keys()].join(', ')}`);
  const client = ctx.audience.of(apiKey);
  const merchant = configured.forAccount && ctx.credentialBinding ? ctx.credentialBinding.merchantOf(apiKey) : undefined;
  const purpose = purposeFor(ctx, configured, input.account, merchant);
  // Refuse a bad webhook before any request state or key is made for this verification.
  if (input.options?.webhook_url) checkWebhookUrl(input.options.webhook_url, { allowPrivate: ctx.config.webhookAllowPrivate, allowLoopback: ctx.config.webhookAllowPrivate });
  const origin = input.options?.origin ?? new URL(ctx.config.publicUrl).origin;
  if (!isBareOrigin(origin)) throw new ServiceError('INVALID_REQUEST', `options.origin ${origin.slice(0, 80)} is not a bare web origin (https://shop.example)`);
  const redirectUri = input.options?.redirect_uri;
  if (redirectUri !== undefined) checkRedirectUri(redirectUri, origin);
  const id = newId();
  const base = ctx.config.publicUrl;
  // Only the OpenID4VP request behind the QR code: the DC API request is made when a page asks
  // (getDcApiRequest), the QR's SVG when it is shown (qrSvg). The wallet's URLs name the OpenID4VP
  // request state, never the session id (the right to read).
  // A purpose that refuses the OpenID4VP channel gets no OpenID4VP request at all: no QR code, no
  // request_uri, nothing a wallet could answer outside the Digital Credentials API.
  const prepared = offers(purpose, 'openid4vp')
    ? await ctx.protocols.prepare({
        documents: purpose.documents,
        requestUri: (handle) => `${base}/v1/wallet/${handle}/request`,
        responseUri: (handle) => `${base}/v1/wallet/${handle}/response`,
        origin,
        ttlSeconds: ctx.config.pendingTtlSeconds,
      })
    : { refs: { oid4vp: '', dcapi: {} }, qrUri: undefined };
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + ctx.config.pendingTtlSeconds * 1000).toISOString();
  const webhookUrl = input.options?.webhook_url ?? ctx.config.webhookUrl;
  const session: VerificationSession = {
    id,
    purpose: purpose.name,
    state: 'pending',
    createdAt: now.toISOString(),
    expiresAt,
    ...(webhookUrl ? { webhookUrl } : {}),
    client,
    ...(merchant ? { merchant } : {}),
    origin,
    ...(redirectUri ? { redirectUri } : {}),
    ...(prepared.qrUri ? { qrUri: prepared.qrUri } : {}),
    ...(input.account ? { account: input.account } : {}),
    secrets: { ...prepared.refs },
  };
  // Kept past its expiry for as long as a result would be: an unanswered verification reads as
  // `expired`, with its reason, rather than vanishing.
  await ctx.store.create(session, ctx.config.pendingTtlSeconds + ctx.config.resultTtlSeconds, prepared.refs.oid4vp || undefined);
  ctx.metrics.created.inc({ purpose: purpose.name });
  ctx.logger.info({ ref: ctx.logRef(id), purpose: purpose.name }, 'verification created');
  return {
    id,
    purpose: purpose.name,
    state: 'pending',
    ...(prepared.qrUri ? { qr: { uri: prepared.qrUri, svg_url: `${base}/v1/wallet/${prepared.refs.oid4vp}/qr.svg` } } : {}),
    expires_at: expiresAt,
    receipt_audience: client,
    origin,
    links: {
      self: `${base}/v1/verifications/${id}`,
      events: `${base}/v1/verifications/${id}/events`,
      dcapi_request: `${base}/v1/verifications/${id}/dcapi-request`,
      dcapi_response: `${base}/v1/verifications/${id}/dcapi-response`,
    },
  };
}

/**
 * The page the wallet sends the customer back to is the merchant's own, on the verification's origin
 * (where its DC API request is bound too): never an open redirect elsewhere. No fragment: the
 * response code goes there.
 */
function checkRedirectUri(uri: string, origin: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ServiceError('INVALID_REQUEST', 'options.redirect_uri is not a URL');
  }
  if (url.origin !== origin.replace(/\/$/, '')) throw new ServiceError('INVALID_REQUEST', `options.redirect_uri must be on the verification's origin ${origin.slice(0, 80)} (options.origin)`);
  if (url.hash || uri.includes('#')) throw new ServiceError('INVALID_REQUEST', 'options.redirect_uri must not have a fragment: the response code goes there');
}

function offers(purpose: Purpose, channel: 'dc_api' | 'openid4vp'): boolean {
  return purpose.channels === undefined || purpose.channels.includes(channel);
}

/**
 * The purpose of one verification: a purpose that compares with a reference (account_match) is
 * given the merchant's reference and the merchant's credential binder; every other purpose is used
 * as configured, and refuses a reference.
 */
function purposeFor(ctx: ServiceContext, purpose: Purpose, account: AccountReference | undefined, merchant: string | undefined): Purpose {
  if (!purpose.forAccount) {
    if (account) throw new ServiceError('INVALID_REQUEST', `account is for account_match purposes; ${purpose.name} takes none`);
    return purpose;
  }
  if (!account) throw new ServiceError('INVALID_REQUEST', `${purpose.name} needs account: {id, name, birth_date}`);
  if (!isCalendarDate(account.birth_date)) throw new ServiceError('INVALID_REQUEST', 'account.birth_date is not a calendar date (YYYY-MM-DD)');
  const binding = ctx.credentialBinding;
  if (!binding && (account.bind || account.binding !== undefined)) {
    throw new ServiceError('INVALID_REQUEST', 'this deployment makes no credential bindings (KAKUNIN_BINDING_KEY is not set)');
  }
  return purpose.forAccount(account, binding && merchant ? binding.binder(merchant) : () => '');
}

/** The purpose a stored session was created for (with its reference, for account_match). */
function purposeOf(ctx: ServiceContext, session: VerificationSession): Purpose | undefined {
  const purpose = ctx.purposes.get(session.purpose);
  if (!purpose?.forAccount || !session.account) return purpose;
  // A session an older version stored has no merchant: its bindings were keyed on the client.
  return purposeFor(ctx, purpose, session.account, session.merchant ?? session.client ?? SANDBOX_AUDIENCE);
}

function isBareOrigin(origin: string): boolean {
  try {
    return new URL(origin).origin === origin.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/**
 * The Digital Credentials API request (the argument of navigator.credentials.get), made the first
 * time a page asks and kept with the session, so a reload gets the same one. Made late on purpose:
 * its key pairs and signatures cost more than the rest of a verification, and a QR or link flow
 * never uses them.
 */
export async function getDcApiRequest(ctx: ServiceContext, id: string): Promise<{ dcapi: unknown }> {
  const found = await findSession(ctx, id);
  refuseUnlessOpen(ctx, found);
  if (found.dcapi !== undefined) return { dcapi: found.dcapi };
  const purpose = purposeOf(ctx, found);
  if (!purpose) throw conflict();
  const prepared = await ctx.protocols.prepareDcApi({ documents: purpose.documents, origin: found.origin ?? new URL(ctx.config.publicUrl).origin, ttlSeconds: secondsLeft(ctx, found) });
  // Read again just before writing: the wallet may have fetched the QR's request meanwhile
  // (retrieved), and that change must not be undone.
  const session = await findSession(ctx, id);
  const refs = refsOf(session);
  const written =
    session.dcapi === undefined && !FINAL_STATES.has(session.state)
      ? await ctx.store.update({ ...session, dcapi: prepared.dcapi, secrets: { ...refs, dcapi: prepared.refs } }, remainingSeconds(ctx, session))
      : false;
  if (!written) {
    await ctx.protocols.release({ oid4vp: '', dcapi: prepared.refs }).catch(() => undefined);
    // Another call made it first (two tabs), or the session ended meanwhile.
    if (session.dcapi !== undefined) return { dcapi: session.dcapi };
    throw conflict();
  }
  return { dcapi: prepared.dcapi };
}

/** The QR code of a verification's wallet link, as SVG: drawn when a page shows it. */
export async function qrSvg(ctx: ServiceContext, handle: string): Promise<string> {
  const session = await findByHandle(ctx, handle);
  refuseUnlessOpen(ctx, session);
  if (!session.qrUri) throw notFound();
  return QRCode.toString(session.qrUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

export async function findSession(ctx: ServiceContext, id: string): Promise<VerificationSession> {
  if (!ID_PATTERN.test(id)) throw notFound();
  const found = await ctx.store.get(id);
  if (found.status === 'unknown') throw notFound();
  if (found.status === 'expired') throw gone();
  return found.session;
}

async function findByHandle(ctx: ServiceContext, handle: string): Promise<VerificationSession> {
  if (!ID_PATTERN.test(handle)) throw notFound();
  const id = await ctx.store.resolve(handle);
  if (!id) throw notFound();
  return findSession(ctx, id);
}

export async function getVerification(ctx: ServiceContext, id: string): Promise<SessionEvent> {
  return publicView(await findSession(ctx, id), ctx.now());
}

/** Anything but reading needs the verification still open: 409 once it has its result, 410 once it expired. */
function refuseUnlessOpen(ctx: ServiceContext, session: VerificationSession): void {
  if (FINAL_STATES.has(session.state)) throw conflict();
  if (hasExpired(session, ctx.now())) throw new ServiceError('REQUEST_EXPIRED', 'this verification expired before it was answered');
}

/** request_uri (GET, or POST with wallet_nonce): the signed request object. */
export async function requestObject(ctx: ServiceContext, handle: string, walletNonce?: string): Promise<string> {
  const session = await findByHandle(ctx, handle);
  refuseUnlessOpen(ctx, session);
  const jar = await ctx.protocols.requestObject(refsOf(session), walletNonce).catch((e: unknown) => {
    if ((e as { code?: string }).code === 'VERIFIER_IDENTITY_MISMATCH') {
      // An operator's mistake, not the wallet's: said once per fetch, under the keyed ref only.
      ctx.logger.error({ ref: ctx.logRef(session.id), code: 'VERIFIER_IDENTITY_MISMATCH' }, (e as Error).message);
    }
    throw e;
  });
  if (session.state === 'pending') {
    await ctx.store.update({ ...session, state: 'retrieved' }, remainingSeconds(ctx, session));
  }
  return jar;
}

/**
 * response_uri (direct_post / direct_post.jwt): the wallet's encrypted answer, or its error response
 * (OpenID4VP 1.0 §8.5: `error`, `error_description`, `state` as form parameters), which ends the
 * verification at once as `declined` (walletErrorReason says with which reason). Answers the wallet
 * with where to send the customer's browser (OpenID4VP 1.0 §8.2): the verification's redirect_uri
 * with a response code, or nothing.
 */
export async function acceptDirectPost(ctx: ServiceContext, handle: string, form: Record<string, string>): Promise<{ redirect_uri?: string }> {
  if ((form.response === undefined) === (form.error === undefined)) throw new ServiceError('INVALID_REQUEST', 'the body needs either response or error');
  const session = await findByHandle(ctx, handle);
  if (form.error !== undefined) {
    const sent = refsOf(session).oid4vp;
    refuseUnlessOpen(ctx, session);
    // Required: only a wallet that fetched the request object holds its state (docs/security.md, "Declines").
    if (form.state !== sent) throw new ServiceError('RESPONSE_MALFORMED', 'the error response needs the state of the request object it answers');
    await decline(ctx, session, form.error, answerDigest({ error: form.error, state: form.state ?? null }), walletErrorReason(form.error), 'wallet');
  } else {
    await answer(ctx, session, (verify) => ctx.protocols.receiveDirectPost(refsOf(session), form, verify), { channel: 'openid4vp' });
  }
  return wayBack(ctx, session);
}

/** POST /v1/verifications/{id}/response-code: the result, for the page holding the code of the way back. */
export async function resumeWithResponseCode(ctx: ServiceContext, id: string, code: string): Promise<SessionEvent> {
  return redeemResponseCode(ctx, await findSession(ctx, id), code);
}

/**
 * The page's Digital Credentials API call was cancelled (by the person, or the wallet said no), or
 * the page itself stopped waiting (`verifier_cancelled`, a clerk's 中止): who ended it is recorded,
 * so that a merchant never reads the clerk's cancel as the customer's refusal.
 */
export async function declineFromPage(ctx: ServiceContext, id: string, error: string): Promise<SessionEvent> {
  const session = await findSession(ctx, id);
  return decline(ctx, session, error, answerDigest({ declined: error }), error === 'verifier_cancelled' ? 'CANCELLED_BY_VERIFIER' : 'DECLINED', 'page');
}

/**
 * The reason a wallet's OpenID4VP error response ends a verification with: access_denied is the
 * person's no (OpenID4VP 1.0 §8.5 also lets a wallet holding no such credential say it, which a
 * verifier cannot tell apart); any other code is the wallet unable to answer this request.
 */
function walletErrorReason(error: string): DeclineReason {
  return error === 'access_denied' ? 'DECLINED' : 'WALLET_ERROR';
}

type DeclineReason = 'DECLINED' | 'CANCELLED_BY_VERIFIER' | 'WALLET_ERROR';

/**
 * Ends a verification as declined: claimed like an answer (the first to come wins, a later answer
 * gets 409), written once, the request states released so nothing can answer it any more.
 */
async function decline(ctx: ServiceContext, session: VerificationSession, error: string, digest: string, by: DeclineReason, via: 'wallet' | 'page'): Promise<SessionEvent> {
  refuseUnlessOpen(ctx, session);
  if (!(await ctx.store.claim(session.id, digest))) throw conflict();
  const at = ctx.now();
  // The wallet's code, shown to support; the words are ours (its description may carry anything).
  const code = /^[a-z_]{1,64}$/.test(error) ? error : 'invalid_error';
  const settled = await settle(ctx, session, digest, at, {
    state: 'declined',
    // Who ended it needs no detail; what the wallet said does.
    reason: by === 'CANCELLED_BY_VERIFIER' ? reasonFor(by) : { ...reasonFor(by), detail: code },
  });
  ctx.metrics.verifications.inc({ purpose: session.purpose, outcome: 'declined' });
  ctx.metrics.declines.inc({ purpose: session.purpose, via, reason: by });
  ctx.logger.info({ ref: ctx.logRef(session.id), purpose: session.purpose, outcome: 'declined', reason: by, via, error: code }, 'verification declined');
  // The clerk's own cancels are no attack; everything else counts towards a burst.
  const client = session.client ?? SANDBOX_AUDIENCE;
  const burst = by === 'CANCELLED_BY_VERIFIER' ? undefined : ctx.declineWatch.record(client, at.getTime());
  if (burst) {
    ctx.metrics.declineBursts.inc({ client });
    ctx.logger.warn(
      { client, declines: burst, windowSeconds: DECLINE_BURST.windowMs / 1000, purpose: session.purpose, via },
      "one client's verifications declined in a burst: someone who can see its QR code may be declining them (docs/security.md, Declines)",
    );
  }
  await settled.notify();
  return publicView(settled.done);
}

/** The page hands over what navigator.credentials.get returned: a presentation, or the wallet's error
 * (OpenID4VP 1.0 Appendix A.4), which ends the verification as declined like the QR path's. */
export async function acceptDcApiResponse(ctx: ServiceContext, id: string, credential: { protocol: string; data: unknown }): Promise<SessionEvent> {
  const session = await findSession(ctx, id);
  const by = { channel: `dc_api:${credential.protocol}`, ...(session.origin ? { origin: session.origin } : {}) };
  return answer(ctx, session, (verify) => ctx.protocols.receiveDcApi(refsOf(session), credential, verify), by);
}

/**
 * Takes one answer, so that each session gets exactly one result and no answer is lost:
 *  1. the protocol layer opens it with the session's request state and uses that state up for this
 *     answer's digest only once it decrypted under its keys (an answer that does not open is a
 *     client error and changes nothing, so the real answer can still come);
 *  2. the session's claim goes to the first answer; the same answer again re-takes it;
 *  3. the result is written once, compare-and-set on the claim (`complete`);
 *  4. then the request states are deleted.
 * If this instance dies or the store fails anywhere before 3, the wallet's retry of the same POST,
 * on any instance, passes 1 and 2 again and writes the result. Any other answer gets 409.
 */
async function answer(
  ctx: ServiceContext,
  session: VerificationSession,
  receive: (verify: VerifyAnswerOptions) => Promise<AnsweredResult | WalletErrorAnswer>,
  answeredBy: AnsweredBy,
): Promise<SessionEvent> {
  refuseUnlessOpen(ctx, session);
  const purpose = purposeOf(ctx, session);
  if (!purpose) throw new ServiceError('PURPOSE_GONE', 'the purpose of this verification is no longer configured');
  const started = performance.now();
  const at = ctx.now();
  const trust = ctx.purposeTrust.get(purpose.name) ?? ctx.trust;
  const revocation = ctx.revocation?.checker;
  const testIds = ctx.config.appleTestIds;
  const answered = await receive({ trust, at, ...(revocation ? { revocation } : {}), ...(testIds ? { testIds } : {}) });
  if ('walletError' in answered) {
    return decline(ctx, session, answered.walletError, answerDigest({ error: answered.walletError, state: null }), walletErrorReason(answered.walletError), 'wallet');
  }
  // The digest that used up the request state also claims the session.
  const digest = answered.answerDigest;
  // Of several ways to answer, the first answer to get here wins the session.
  if (!(await ctx.store.claim(session.id, digest))) throw conflict();
  const decision = reduceToDecision(purpose, answered, at, { revocation: ctx.revocation?.mode ?? 'off', testIds });
  if (decision.revocation === 'unavailable') {
    ctx.metrics.revocationUnavailableAccepted.inc({ purpose: purpose.name }, 1);
    ctx.logger.warn({ purpose: purpose.name }, 'accepted without a current revocation answer (KAKUNIN_REVOCATION=warn)');
  }
  return finish(ctx, session, digest, decision, at, performance.now() - started, answeredBy);
}

function refsOf(session: VerificationSession): RequestRefs {
  return session.secrets as unknown as RequestRefs;
}

async function finish(ctx: ServiceContext, session: VerificationSession, digest: string, decision: Decision, at: Date, elapsedMs: number, answeredBy: AnsweredBy): Promise<SessionEvent> {
  const receipt = await ctx.receipts.sign(session.id, decision, at, session.client ?? SANDBOX_AUDIENCE, answeredBy);
  const { done, notify: announce } = await settle(ctx, session, digest, at, {
    state: decision.outcome,
    decision,
    receipt,
    ...(decision.outcome === 'failed' ? { reason: reasonFor(decision.failureCodes[0] ?? 'VERIFICATION_FAILED') } : {}),
  });
  ctx.metrics.verifications.inc({ purpose: session.purpose, outcome: done.state });
  for (const code of decision.failureCodes) ctx.metrics.failures.inc({ purpose: session.purpose, code });
  ctx.metrics.latency.observe({ purpose: session.purpose }, elapsedMs / 1000);
  ctx.logger.info(
    { ref: ctx.logRef(session.id), purpose: session.purpose, outcome: done.state, failureCodes: decision.failureCodes, docType: decision.docType, ms: Math.round(elapsedMs) },
    'verification finished',
  );
  await announce();
  return publicView(done);
}

type Ending = Pick<VerificationSession, 'state'> & Pick<Partial<VerificationSession>, 'decision' | 'receipt' | 'reason'>;

/**
 * Writes a verification's final state, once: the result kept as long as results are, compare-and-set
 * on the answer's claim with its webhook's outbox entry, then the ways to answer closed. What the
 * caller counts and logs comes after; `notify` hands the webhook to the queue last.
 */
async function settle(ctx: ServiceContext, session: VerificationSession, digest: string, at: Date, ending: Ending): Promise<{ done: VerificationSession; notify: () => Promise<void> }> {
  const done: VerificationSession = {
    ...session,
    ...ending,
    expiresAt: new Date(at.getTime() + ctx.config.resultTtlSeconds * 1000).toISOString(),
    // The wallet-facing secrets have done their job, and the account reference its own: neither is
    // kept with the result.
    secrets: {},
    account: undefined,
  };
  const delivery = deliveryOf(ctx, done);
  const entry = delivery && ctx.webhooks.outboxEntry(delivery);
  const outcome = await ctx.store.complete(done, ctx.config.resultTtlSeconds, digest, entry);
  if (outcome === 'gone') throw gone();
  // A copy of this answer, running at the same time on this or another instance, wrote it first.
  if (outcome === 'taken') throw conflict();
  // The ways to answer close now: nonces and private keys go at once, not at their TTL. Should the
  // store fail here, they expire on their own; the result is written, nothing is lost for it.
  await ctx.protocols.release(refsOf(session)).catch(() => undefined);
  return { done, notify: () => notify(ctx, delivery, entry) };
}

type WebhookState = WebhookDelivery['state'];
const WEBHOOK_STATES: ReadonlySet<VerificationState> = new Set<WebhookState>(['verified', 'failed', 'declined', 'test']);
const isWebhookState = (s: VerificationState): s is WebhookState => WEBHOOK_STATES.has(s);

/** The merchant's webhook hears of every final state but expired (nothing happens at expiry). */
function deliveryOf(ctx: ServiceContext, done: VerificationSession): WebhookDelivery | undefined {
  if (!done.webhookUrl || !isWebhookState(done.state)) return undefined;
  // The reason's words and code; retry and detail are for the page and support.
  const reason = done.reason && { code: done.reason.code, ja: done.reason.ja, en: done.reason.en };
  return {
    url: done.webhookUrl,
    eventId: ctx.webhookEventId(done.id, done.state),
    verificationId: done.id,
    state: done.state,
    ...(done.receipt ? { receipt: done.receipt } : {}),
    ...(reason ? { reason } : {}),
  };
}

/**
 * Hands the delivery to the queue before the wallet gets its answer. With Redis the result was
 * written with an outbox entry: should this fail (Redis away, this instance killed), a sweep of the
 * outbox queues it later. Without Redis a failure here cannot happen (the memory queue only starts).
 */
async function notify(ctx: ServiceContext, delivery: WebhookDelivery | undefined, entry: OutboxEntry | undefined): Promise<void> {
  if (!delivery) return;
  try {
    await ctx.webhooks.enqueue(delivery, entry);
  } catch (e) {
    ctx.logger.warn({ ref: ctx.logRef(delivery.verificationId), event: delivery.eventId, err: (e as Error).message }, 'webhook not queued yet: its outbox entry is queued by a later sweep');
  }
}

/** How long the store keeps a pending session from now: to its expiry, then as long as a result. */
function remainingSeconds(ctx: ServiceContext, session: VerificationSession): number {
  return secondsLeft(ctx, session) + ctx.config.resultTtlSeconds;
}

/** Whole seconds until the pending session expires (at least 1). */
function secondsLeft(ctx: ServiceContext, session: VerificationSession): number {
  return Math.max(1, Math.ceil((Date.parse(session.expiresAt) - ctx.now().getTime()) / 1000));
}
