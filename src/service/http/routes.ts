/**
 * The route table: for every operation of api/operations.ts, the middleware that guards it (CORS,
 * caching, rate limits, the API key) and the handler that answers it. Handlers are thin: they get a
 * body already validated against the operation's schema, call verifications/lifecycle.ts, and shape the answer.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { presentedApiKey, requireApiKey } from './api-key.js';
import type { OperationId } from '../api/operations.js';
import type { ServiceContext } from '../context.js';
import { clientAddressKey } from './rate-limits.js';
import { streamEvents } from './sse.js';
import {
  acceptDcApiResponse,
  acceptDirectPost,
  createVerification,
  getDcApiRequest,
  declineFromPage,
  getVerification,
  qrSvg,
  requestObject,
  resumeWithResponseCode,
  type CreateVerificationOptions,
} from '../verifications/lifecycle.js';

export interface Route {
  /** Runs before the body is read: what refuses a request cheaply comes first. */
  guards: RequestHandler[];
  /** `req.body` has passed the operation's schema. */
  handle: (req: Request, res: Response) => Promise<void> | void;
}

// The page, the merchant's script and the wallet may sit on other origins: reading a result needs its
// unguessable id, never a cookie, so a wildcard origin without credentials is safe.
export const cors: RequestHandler = (req, res, next) => {
  res.set({ 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST' });
  if (req.method === 'OPTIONS') return void res.status(204).end();
  next();
};
const noStore: RequestHandler = (_req, res, next) => {
  res.set('cache-control', 'no-store');
  next();
};
const both =
  (a: RequestHandler, b: RequestHandler): RequestHandler =>
  (req, res, next: NextFunction) =>
    a(req, res, (err?: unknown) => (err ? next(err) : b(req, res, next)));

const param = (req: Request, name: string) => String(req.params[name]);
/** RFC 9101 §9.4.1 registers the media type without parameters, and a wallet may compare it exactly:
 * sent as bytes, because Express adds `; charset=utf-8` to any string it sends. */
const sendJar = (res: Response, jar: string) => void res.status(200).type('application/oauth-authz-req+jwt').set('cache-control', 'no-store').send(Buffer.from(jar, 'ascii'));

/** The production routes (the sandbox wallet's are the demo's, see startup/serve.ts). */
export function routes(ctx: ServiceContext, openapi: string): Record<Exclude<OperationId, 'sandboxWalletScan' | 'sandboxWalletDcApi'>, Route> {
  // Creating verifications: per client address and per API key. The wallet's endpoints: a wallet
  // fetches a request and posts one answer, with a few retries, so a handle gets 20 calls a minute; a
  // client address ten times the creation rate (a shop's customers may share one address).
  const limits = ctx.rateLimits;
  const perIp = limits.limit('ip', ctx.config.rateLimitPerIp, 'address', clientAddressKey);
  const perKey = limits.limit('key', ctx.config.rateLimitPerKey, 'API key', presentedApiKey);
  const perHandle = limits.limit('handle', 20, 'request handle', (req) => param(req, 'handle'));
  const perWalletIp = limits.limit('wallet-ip', ctx.config.rateLimitPerIp * 10, 'address', clientAddressKey);
  const walletLimits = both(perWalletIp, perHandle);

  return {
    createVerification: {
      guards: [noStore, perIp, requireApiKey(ctx.config.apiKeys), perKey],
      handle: async (req, res) => void res.status(201).json(await createVerification(ctx, req.body as CreateVerificationOptions, res.locals.apiKey as string | undefined)),
    },
    getVerification: { guards: [cors, noStore], handle: async (req, res) => void res.json(await getVerification(ctx, param(req, 'id'))) },
    verificationEvents: { guards: [cors], handle: (req, res) => streamEvents(ctx, req, res, param(req, 'id'), ctx.streams) },
    declineVerification: {
      guards: [cors, noStore],
      handle: async (req, res) => void res.json(await declineFromPage(ctx, param(req, 'id'), (req.body as { error: string }).error)),
    },
    redeemResponseCode: {
      guards: [cors, noStore, perWalletIp],
      handle: async (req, res) => void res.json(await resumeWithResponseCode(ctx, param(req, 'id'), (req.body as { response_code: string }).response_code)),
    },
    getDcApiRequest: { guards: [cors, noStore], handle: async (req, res) => void res.json(await getDcApiRequest(ctx, param(req, 'id'))) },
    postDcApiResponse: {
      guards: [cors, noStore],
      handle: async (req, res) => void res.json(await acceptDcApiResponse(ctx, param(req, 'id'), req.body as { protocol: string; data: unknown })),
    },
    // The handle is what the QR itself carries, so its SVG tells no one anything new; a page may keep
    // it for the life of the request.
    getQrSvg: {
      guards: [cors, perWalletIp],
      handle: async (req, res) => {
        const svg = await qrSvg(ctx, param(req, 'handle'));
        res.type('image/svg+xml').set('cache-control', 'private, max-age=300').send(svg);
      },
    },
    getRequestObject: { guards: [walletLimits], handle: async (req, res) => sendJar(res, await requestObject(ctx, param(req, 'handle'))) },
    postRequestObject: {
      guards: [walletLimits],
      handle: async (req, res) => sendJar(res, await requestObject(ctx, param(req, 'handle'), (req.body as { wallet_nonce?: string }).wallet_nonce)),
    },
    directPostJwt: {
      guards: [walletLimits, noStore],
      // OpenID4VP 1.0 §8.2: {} (cross-device, nowhere to go back to) or the page's redirect_uri with a response code.
      handle: async (req, res) => void res.status(200).json(await acceptDirectPost(ctx, param(req, 'handle'), req.body as Record<string, string>)),
    },
    getConfig: {
      guards: [],
      handle: (_req, res) =>
        void res.json({
          sandbox: ctx.config.sandbox,
          test_ids: ctx.config.appleTestIds,
          api_key_required: ctx.config.apiKeys.length > 0,
          ...(ctx.config.counterName ? { counter_name: ctx.config.counterName } : {}),
          // What a counter can start: a purpose that compares with a merchant's reference
          // (account_match) is created by that merchant's backend, never from a counter.
          purposes: [...ctx.purposes.values()]
            .filter((p) => !p.forAccount)
            .map((p) => ({
              name: p.name,
              label: p.label,
              documents: p.documents.map((d) => d.docType),
              ...(p.municipalities ? { municipalities: p.municipalities } : {}),
            })),
        }),
    },
    jwks: { guards: [], handle: (_req, res) => void res.set('cache-control', 'public, max-age=300').json(ctx.receipts.jwks) },
    healthz: { guards: [], handle: (_req, res) => void res.json({ status: 'ok' }) },
    readyz: {
      guards: [],
      handle: async (_req, res) => {
        const store = await ctx.store.ping();
        res.status(store ? 200 : 503).json({ status: store ? 'ready' : 'not ready', store: ctx.store.kind });
      },
    },
    metrics: {
      guards: [],
      handle: async (_req, res) => {
        const text = await ctx.metrics.render();
        res.type(ctx.metrics.contentType).send(text);
      },
    },
    openapi: { guards: [], handle: (_req, res) => void res.type('application/json').send(openapi) },
  };
}
