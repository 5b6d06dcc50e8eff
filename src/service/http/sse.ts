/**
 * GET /v1/verifications/{id}/events: Server-Sent Events with the public view of the session. The
 * current state comes first, then each change (from any instance, through the store), and the
 * stream ends at a final state or when the session expires.
 *
 * Streams hold a socket, a listener and (with Redis) a subscription each, so they are counted:
 * at most STREAM_LIMITS.perVerification per verification and perClient per client address (429),
 * and `total` in this process (503). A client that goes away at any point, setup included, leaves
 * nothing behind: every resource is released by the one `close`.
 */
import type { Request, Response } from 'express';
import type { ServiceContext } from '../context.js';
import { FINAL_STATES, publicView, type SessionEvent } from '../verifications/session.js';
import type { StreamCounter } from './stream-counter.js';
import { findSession } from '../verifications/lifecycle.js';

const HEARTBEAT_MS = 15_000;

export async function streamEvents(ctx: ServiceContext, req: Request, res: Response, id: string, streams: StreamCounter): Promise<void> {
  const session = await findSession(ctx, id);
  // Counted by a keyed reference, so the table holds no bearer value.
  const release = streams.acquire(ctx.logRef(id), req.ip ?? 'unknown');
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(expiry);
    unsubscribe?.();
    release();
    res.end();
  };
  // A client may have gone before anyone listened for it (a loaded server reaches this late): look,
  // as well as listen, and on the response too (its 'close' is the socket's end for a stream).
  req.on('close', close);
  res.on('close', close);
  const gone = () => req.destroyed || req.socket.destroyed || res.writableEnded;
  if (gone()) return close();

  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();

  // The re-read below and the subscription can both deliver the same change: send each state once.
  let last: string | undefined;
  const send = (event: SessionEvent) => {
    if (closed || event.state === last) return;
    last = event.state;
    res.write(`event: ${event.state}\ndata: ${JSON.stringify(event)}\n\n`);
    if (FINAL_STATES.has(event.state)) close();
  };

  // Subscribe before sending the current state, then re-read, so a change in between is not lost.
  let subscribed: () => void;
  try {
    subscribed = await ctx.store.subscribe(id, send);
  } catch (e) {
    close();
    throw e;
  }
  // The client may have gone while we waited: then the subscription is dropped at once.
  if (!closed && gone()) close();
  if (closed) return subscribed();
  unsubscribe = subscribed;
  heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  send(publicView(session, ctx.now()));
  if (closed) return;
  const fresh = await ctx.store.get(id).catch(() => undefined);
  if (closed) return;
  if (fresh?.status === 'found' && fresh.session.state !== session.state) send(publicView(fresh.session, ctx.now()));
  if (closed) return;
  const expiresIn = Date.parse(session.expiresAt) - ctx.now().getTime();
  expiry = setTimeout(() => send(publicView(session, new Date(Date.parse(session.expiresAt)))), Math.max(0, expiresIn));
}
