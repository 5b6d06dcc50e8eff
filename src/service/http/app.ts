/**
 * The HTTP API and the pages. Routes are thin: parse and validate, call a function of
 * verifications/lifecycle.ts, shape the answer. Refusals are KakuninErrors, answered with the
 * status codes/http-status.ts gives their code; anything else is logged without request data and
 * answered 500.
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { KakuninError } from '../../codes/error.js';
import { httpStatusOf } from '../../codes/http-status.js';
import { openApiDocument } from '../api/openapi.js';
import { expressPath, OPERATIONS, type Operation, type OperationId } from '../api/operations.js';
import type { ServiceContext } from '../context.js';
import { notFound, ServiceError } from '../errors.js';
import { expressClasses, hotRoutes } from './hot-routes.js';
import { cors, routes, type Route } from './routes.js';
import { securityHeaders } from './security.js';
import { validateBody } from './validation.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PUBLIC_DIR = join(ROOT, 'public');

export interface AppExtras {
  /** Routes of operations only some modes serve (the sandbox wallet in demo mode). */
  routes?: Partial<Record<OperationId, Route>>;
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

/** The operations every verification flow calls: answered by hot-routes.ts without the router. */
const HOT: OperationId[] = ['createVerification', 'getVerification', 'getRequestObject', 'postRequestObject', 'directPostJwt'];

/** What the HTTP server runs: its request listener, and the classes it makes requests and responses from. */
export interface HttpApp {
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** For createServer: requests and responses with Express's API from the start (hot-routes.ts). */
  serverOptions: Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'>;
}

/**
 * The Express app, with the requests of the hot operations handed straight to the same middleware
 * and handlers the app mounts for them (hot-routes.ts).
 */
export function createApp(ctx: ServiceContext, extras: AppExtras = {}): HttpApp {
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from the proxies the operator names (KAKUNIN_TRUST_PROXY):
  // otherwise any local client could pick its own rate-limit key.
  app.set('trust proxy', ctx.config.trustProxy);
  const before: RequestHandler[] = [accessLog(ctx), securityHeaders({ publicDir: PUBLIC_DIR, https: ctx.config.publicUrl.startsWith('https:') })];
  for (const handler of before) app.use(handler);

  app.options('/v1/verifications/:id{/:action}', cors);
  const table: Partial<Record<OperationId, Route>> = { ...routes(ctx, JSON.stringify(openApiDocument())), ...extras.routes };
  const handlers = new Map<OperationId, RequestHandler[]>();
  for (const [id, route] of Object.entries(table) as [OperationId, Route][]) {
    const op = OPERATIONS[id];
    handlers.set(id, handlersOf(op, route));
    app[op.method](expressPath(op.path), ...handlers.get(id)!);
  }

  app.use(express.static(PUBLIC_DIR, { index: 'index.html', maxAge: '5m' }));
  app.use((_req, _res, next) => next(notFound('path')));
  const fail = errorHandler(ctx);
  app.use(fail);
  const classes = expressClasses(app);
  const hot = hotRoutes(
    classes,
    before,
    HOT.filter((id) => handlers.has(id)).map((id) => ({ method: OPERATIONS[id].method === 'get' ? 'GET' : 'POST', path: expressPath(OPERATIONS[id].path), handlers: handlers.get(id)! })),
    fail,
  );
  return {
    listener: (req, res) => {
      if (!hot(req, res)) app(req, res);
    },
    serverOptions: classes,
  };
}

/** One operation: its guards, then its body read and checked against its schema, then its handler. */
function handlersOf(op: Operation, route: Route): RequestHandler[] {
  const body: RequestHandler[] = [];
  if (op.body) {
    const { schema, type, limit } = op.body;
    body.push(
      type === 'application/json' ? express.json({ limit, type: ['application/json', 'application/*+json'] }) : express.urlencoded({ extended: false, limit, parameterLimit: 20 }),
      (req, _res, next) => {
        req.body = validateBody<unknown>(schema, req.body ?? {});
        next();
      },
    );
  }
  return [...route.guards, ...body, route.handle];
}

/** Access log and the HTTP counter: route pattern and status, never the URL's ids or a body. */
function accessLog(ctx: ServiceContext): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : 'static');
      ctx.metrics.http.inc({ route, status: `${Math.floor(res.statusCode / 100)}xx` });
      ctx.logger.debug({ method: req.method, route, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'http');
    });
    next();
  };
}

/** Express 5 passes rejected promises here: a KakuninError gets the status its code has, anything
 * else is logged without request data and answered 500. */
function errorHandler(ctx: ServiceContext) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    // Headers a handler set for the answer it meant to give (an SVG's type, a cache lifetime) are not
    // this answer's.
    res.removeHeader('content-type');
    res.set('cache-control', 'no-store');
    const e = err instanceof KakuninError ? err : bodyParserError(err);
    if (!e) {
      ctx.logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'internal error');
      res.status(500).json({ error: 'INTERNAL', message: 'internal error' });
      return;
    }
    const status = httpStatusOf(e.code);
    // 503s are passing (the store is away): tell clients when to come back.
    if (status === 503 && !res.get('retry-after')) res.set('retry-after', '5');
    // A client over a limit gives its connection back: a 429 on a kept-alive socket would let it hold
    // the socket and send the next request without a new handshake.
    if (status === 429) res.set('connection', 'close');
    res.status(status).json({ error: e.code, message: e.message });
  };
}
