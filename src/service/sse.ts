/**
 * GET /v1/verifications/{id}/events: Server-Sent Events with the public view of the session. The
 * current state comes first, then each change (from any instance, through the store), and the
 * stream ends at a final state or when the session expires.
 */
import type { Request, Response } from 'express';
import type { ServiceContext } from './context.js';
import { FINAL_STATES, publicView, type SessionEvent } from './session.js';
import { findSession } from './verifications.js';

const HEARTBEAT_MS = 15_000;

export async function streamEvents(ctx: ServiceContext, req: Request, res: Response, id: string): Promise<void> {
  const session = await findSession(ctx, id);
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();

  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    timers.forEach(clearTimeout);
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  };
  // The re-read below and the subscription can both deliver the same change: send each state once.
  let last: string | undefined;
  const send = (event: SessionEvent) => {
    if (closed || event.state === last) return;
    last = event.state;
    res.write(`event: ${event.state}\ndata: ${JSON.stringify(event)}\n\n`);
    if (FINAL_STATES.has(event.state)) close();
  };
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  req.on('close', close);

  // Subscribe before sending the current state, then re-read, so a change in between is not lost.
  unsubscribe = await ctx.store.subscribe(id, send);
  send(publicView(session, ctx.now()));
  if (closed) return;
  const fresh = await ctx.store.get(id);
  if (fresh.status === 'found' && fresh.session.state !== session.state) send(publicView(fresh.session, ctx.now()));
  if (closed) return;
  const expiresIn = Date.parse(session.expiresAt) - ctx.now().getTime();
  timers.push(
    setTimeout(
      () => send(publicView(session, new Date(Date.parse(session.expiresAt)))),
      Math.max(0, expiresIn),
    ),
  );
}
