/**
 * The HTTP API and the pages. Routes are thin: parse and validate, call a function of
 * verifications.ts, shape the answer. Refusals are KakuninErrors, answered with the
 * status codes/http-status.ts gives their code; anything else is logged without request data and
 * answered 500.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { presentedApiKey, requireApiKey } from './api-key.js';
import { clientAddressKey } from './rate-limits.js';
import { securityHeaders } from './security.js';
import type { ServiceContext } from './context.js';
import { KakuninError } from '../codes/error.js';
import { httpStatusOf } from '../codes/http-status.js';
import { notFound, ServiceError } from './errors.js';
import { streamEvents } from './sse.js';
import {
  createVerificationSchema,
  dcapiResponseSchema,
  declineSchema,
  directPostSchema,
  validateBody,
  walletRequestPostSchema,
} from './validation.js';
import { acceptDcapiResponse, acceptDirectPost, createVerification, dcapiRequest, declineFromPage, getVerification, qrSvg, requestObject, type CreateInput } from './verifications.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PUBLIC_DIR = join(ROOT, 'public');
export const OPENAPI_FILE = join(ROOT, 'docs', 'openapi.json');

/** Wallet answers carry a DeviceResponse, portraits included: generous, but bounded. */
const WALLET_BODY_LIMIT = '1mb';
const API_BODY_LIMIT = '16kb';

export interface AppExtras {
  /** Extra routes mounted before the 404 handler (the sandbox wallet in demo mode). */
  extraRoutes?: express.Router;
}

/** body-parser's refusals (they carry a status and a type) as our codes. */
function bodyParserError(err: unknown): ServiceError | undefined {
  const e = err as { status?: number; type?: string; message?: string };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return undefined;
  if (e.type === 'entity.too.large') return new ServiceError('PAYLOAD_TOO_LARGE', e.message ?? 'request entity too large');
  if (e.type === 'entity.parse.failed') return new ServiceError('INVALID_JSON', 'the body is not valid JSON');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new ServiceError('UNSUPPORTED_ENCODING', e.message ?? 'unsupported content encoding');
  return new ServiceError('BAD_REQUEST', e.message ?? 'bad request');
}

export function createApp(ctx: ServiceContext, extras: AppExtras = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from the proxies the operator names (KAKUNIN_TRUST_PROXY):
  // otherwise any local client could pick its own rate-limit key.
  app.set('trust proxy', ctx.config.trustProxy);
  const openapi = readFileSync(OPENAPI_FILE, 'utf8');

  // Access log and the HTTP counter: route pattern and status, never the URL's ids or a body.
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : 'static');
      ctx.metrics.http.inc({ route, status: `${Math.floor(res.statusCode / 100)}xx` });
      ctx.logger.debug({ method: req.method, route, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'http');
    });
    next();
  });
  app.use(securityHeaders({ publicDir: PUBLIC_DIR, https: ctx.config.publicUrl.startsWith('https:') }));

  const json = (limit: string) => express.json({ limit, type: ['application/json', 'application/*+json'] });
  const form = express.urlencoded({ extended: false, limit: WALLET_BODY_LIMIT, parameterLimit: 20 });
  // The page, the merchant's script and the wallet may sit on other origins: reading a result needs
  // its unguessable id, never a cookie, so a wildcard origin without credentials is safe.
  const cors = (req: Request, res: Response, next: NextFunction) => {
    res.set({ 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST' });
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };
  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.set('cache-control', 'no-store');
    next();
  };

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const store = await ctx.store.ping();
    res.status(store ? 200 : 503).json({ status: store ? 'ready' : 'not ready', store: ctx.store.kind });
  });
  app.get('/metrics', async (_req, res) => void res.type(ctx.metrics.contentType).send(await ctx.metrics.render()));
  app.get('/openapi.json', (_req, res) => void res.type('application/json').send(openapi));
  app.get('/.well-known/jwks.json', (_req, res) => void res.set('cache-control', 'public, max-age=300').json(ctx.receipts.jwks));
  app.get('/v1/config', (_req, res) =>
    void res.json({
      sandbox: ctx.config.sandbox,
      api_key_required: ctx.config.apiKeys.length > 0,
      ...(ctx.config.counterName ? { counter_name: ctx.config.counterName } : {}),
      purposes: [...ctx.purposes.values()].map((p) => ({ name: p.name, label: p.label, documents: p.documents.map((d) => d.docType) })),
    }),
  );

  // Creating verifications: per client address and per API key. The wallet's endpoints: a wallet
  // fetches a request and posts one answer, with a few retries, so a handle gets 20 calls a minute; a
  // client address ten times the creation rate (a shop's customers may share one address).
  const limits = ctx.rateLimits;
  const perIp = limits.limit('ip', ctx.config.rateLimitPerIp, 'address', clientAddressKey);
  const perKey = limits.limit('key', ctx.config.rateLimitPerKey, 'API key', presentedApiKey);
  const perHandle = limits.limit('handle', 20, 'request handle', (req) => String(req.params.handle));
  const perWalletIp = limits.limit('wallet-ip', ctx.config.rateLimitPerIp * 10, 'address', clientAddressKey);
  const walletLimits: express.RequestHandler = (req, res, next) => perWalletIp(req, res, (err?: unknown) => (err ? next(err) : perHandle(req, res, next)));
  app.post('/v1/verifications', noStore, perIp, requireApiKey(ctx.config.apiKeys), perKey, json(API_BODY_LIMIT), async (req, res) => {
    const body = validateBody<CreateInput>(createVerificationSchema, req.body ?? {});
    res.status(201).json(await createVerification(ctx, body, String(res.locals.client)));
  });
  app.options('/v1/verifications/:id{/:action}', cors);
  app.get('/v1/verifications/:id', cors, noStore, async (req, res) => {
    res.json(await getVerification(ctx, String(req.params.id)));
  });
  app.get('/v1/verifications/:id/events', cors, async (req, res) => {
    await streamEvents(ctx, req, res, String(req.params.id), ctx.streams);
  });
  app.post('/v1/verifications/:id/decline', cors, noStore, json(API_BODY_LIMIT), async (req, res) => {
    const body = validateBody<{ error: string }>(declineSchema, req.body ?? {});
    res.json(await declineFromPage(ctx, String(req.params.id), body.error));
  });
  app.get('/v1/verifications/:id/dcapi-request', cors, noStore, async (req, res) => {
    res.json(await dcapiRequest(ctx, String(req.params.id)));
  });
  app.post('/v1/verifications/:id/dcapi-response', cors, noStore, json(WALLET_BODY_LIMIT), async (req, res) => {
    const body = validateBody<{ protocol: string; data: unknown }>(dcapiResponseSchema, req.body ?? {});
    res.json(await acceptDcapiResponse(ctx, String(req.params.id), body));
  });

  // Wallet-facing OpenID4VP endpoints, addressed by the session's alias (the QR's name for it).
  const sendJar = (res: Response, jar: string) => void res.status(200).type('application/oauth-authz-req+jwt').set('cache-control', 'no-store').send(jar);
  // The QR code as SVG, for the page that shows it. The handle is what the QR itself carries, so this
  // tells no one anything new; a page may keep it for the life of the request.
  app.get('/v1/wallet/:handle/qr.svg', cors, perWalletIp, async (req, res) => {
    res.type('image/svg+xml').set('cache-control', 'private, max-age=300').send(await qrSvg(ctx, String(req.params.handle)));
  });
  app.get('/v1/wallet/:handle/request', walletLimits, async (req, res) => {
    sendJar(res, await requestObject(ctx, String(req.params.handle)));
  });
  app.post('/v1/wallet/:handle/request', walletLimits, form, async (req, res) => {
    const body = validateBody<{ wallet_nonce?: string }>(walletRequestPostSchema, req.body ?? {});
    sendJar(res, await requestObject(ctx, String(req.params.handle), body.wallet_nonce));
  });
  app.post('/v1/wallet/:handle/response', walletLimits, noStore, form, async (req, res) => {
    const body = validateBody<Record<string, string>>(directPostSchema, req.body ?? {});
    await acceptDirectPost(ctx, String(req.params.handle), body);
    // Cross-device flow: nothing to redirect to (OpenID4VP 1.0 §8.2: an empty JSON object).
    res.status(200).json({});
  });

  if (extras.extraRoutes) app.use(extras.extraRoutes);

  app.use(express.static(PUBLIC_DIR, { index: 'index.html', maxAge: '5m' }));
  app.use((_req, _res, next) => next(notFound('path')));

  // Express 5 passes rejected promises here. Body-parser errors carry a status and a type.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    const e = err instanceof KakuninError ? err : bodyParserError(err);
    if (!e) {
      ctx.logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'internal error');
      res.status(500).json({ error: 'INTERNAL', message: 'internal error' });
      return;
    }
    // One table says the status of every code.
    const status = httpStatusOf(e.code);
    // 503s are passing (the store is away): tell clients when to come back.
    if (status === 503 && !res.get('retry-after')) res.set('retry-after', '5');
    res.status(status).json({ error: e.code, message: e.message });
  });
  return app;
}
