/**
 * The requests every verification makes, handed to their operation's handlers without walking
 * Express's router: creating it, the wallet's fetch of the request object and its answer, and
 * reading the result. The router tests each request against every layer of the app in turn (some
 * twenty patterns before these routes' own), which on a flow's four requests cost more CPU than
 * the handlers themselves (docs/performance.md, "The service's CPU per request").
 *
 * Express gives every request its API by changing the prototype of node's request and response
 * objects (Object.setPrototypeOf in app.handle). V8 then no longer recognises their shape, and
 * node's own HTTP and stream code runs slower on them for the rest of the request. So the server
 * makes its requests and responses from classes that have Express's API from the start
 * (`expressClasses`), and these routes need no prototype change; every other request still goes
 * through app.handle and gets its prototype changed as before.
 *
 * Nothing else changes: a request here gets Express's own request and response API (set up as
 * Express's app.handle does), then exactly the middleware the app runs for that route, in the same
 * order: the access log and metrics, the security headers, the route's guards (CORS, cache, rate
 * limits, the API key), its body parser and schema check, its handler; and anything they throw or
 * reject goes to the app's error handler. Only the exact spellings are taken: a path with a query,
 * another case, a trailing slash, a percent-escape or a method the router would also match (HEAD)
 * goes to the app as before, which answers it as it always has.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { KakuninError } from '../../codes/error.js';
import { notFound } from '../errors.js';

/** A route of the app that may be dispatched directly: its method, its Express path and what runs. */
export interface HotRoute {
  method: 'GET' | 'POST';
  /** Express form (/v1/verifications/:id): what req.route.path says, as the router would set it. */
  path: string;
  /** The route's middleware and handler, in the order the app mounts them. */
  handlers: RequestHandler[];
}

export type ErrorHandler = (err: unknown, req: Request, res: Response, next: NextFunction) => void;

/** One path segment as ids and handles are written (base64url): decoding it changes nothing. */
const SEGMENT = '[A-Za-z0-9_-]+';

/**
 * Request and response classes with Express's API (app.request, app.response) in their prototype
 * chain, for node's createServer to make its objects from: node's classes under Express's methods,
 * as Express's own prototype change arranges them, made once.
 */
export function expressClasses(app: Express): { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse } {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  // @types/node types ServerResponse as generic over its request; this one takes any.
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse as typeof ServerResponse };
}

/**
 * A dispatcher for `routes` (paths whose only parameters are whole segments): true when it took the
 * request. `before` runs ahead of every route (the app-wide middleware), `fail` takes what the
 * router would hand the app's error handler.
 */
export function hotRoutes(classes: ReturnType<typeof expressClasses>, before: RequestHandler[], routes: HotRoute[], fail: ErrorHandler): (req: IncomingMessage, res: ServerResponse) => boolean {
  const table = routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path.replace(/:(\w+)/g, (_m, name: string) => {
      names.push(name);
      return `(${SEGMENT})`;
    });
    return { ...route, names, pattern: new RegExp(`^${pattern}$`), route: Object.freeze({ path: route.path }), chain: [...before, ...route.handlers] };
  });
  return (incoming, outgoing) => {
    const url = incoming.url ?? '';
    let hit: (typeof table)[number] | undefined;
    let m: RegExpExecArray | null = null;
    for (const r of table) {
      if (r.method === incoming.method && (m = r.pattern.exec(url))) {
        hit = r;
        break;
      }
    }
    // A request of another server's making lacks Express's API: the app gives it one.
    if (!hit || !m || !(incoming instanceof classes.IncomingMessage) || !(outgoing instanceof classes.ServerResponse)) return false;
    const params: Record<string, string> = {};
    for (let i = 0; i < hit.names.length; i++) params[hit.names[i]] = m[i + 1];
    const req = incoming as Request;
    const res = outgoing as Response;
    // What Express's app.handle and its router set up before a route's first handler runs (the
    // prototypes are the classes' own).
    req.res = res;
    res.req = req;
    res.locals ??= Object.create(null) as Response['locals'];
    req.baseUrl = '';
    req.originalUrl = url;
    req.params = params;
    req.route = hit.route;
    run(hit.chain, req, res, fail);
    return true;
  };
}

/**
 * The router's way of running a route: each handler gets `next`; a thrown error, a rejected promise
 * or next(err) goes to the error handler; 'route' (skip the rest of this route) leaves nothing else
 * in the app that answers these paths, so it is a 404 as there.
 */
function run(chain: RequestHandler[], req: Request, res: Response, fail: ErrorHandler): void {
  let i = 0;
  let failed = false;
  const toErrorHandler = (err: unknown) => {
    if (failed) return;
    failed = true;
    try {
      fail(err, req, res, () => undefined);
    } catch {
      if (!res.headersSent) res.status(500).end();
      else res.destroy();
    }
  };
  const next: NextFunction = (err?: unknown) => {
    if (err && err !== 'route') return toErrorHandler(err);
    const handler = err === 'route' ? undefined : chain[i++];
    if (!handler) return toErrorHandler(notFound('path'));
    try {
      const ret: unknown = handler(req, res, next);
      // A promise rejected with nothing is still a failure (the router makes it an Error too).
      if (ret instanceof Promise) ret.then(undefined, (e: unknown) => next(e || new KakuninError('INTERNAL', 'a handler failed without an error')));
    } catch (e) {
      next(e);
    }
  };
  req.next = next;
  next();
}
