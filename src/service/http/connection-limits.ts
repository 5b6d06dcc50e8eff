/**
 * Connections, before any HTTP: one client holding every socket locks every other client out, whatever
 * the request rate limits say (they count requests, and an idle keep-alive socket sends none). So the
 * server counts open sockets per client address (IPv6 per /64, as the rate limits do) and in total:
 * - a connection over the per-address limit is answered 429 with `Connection: close` and closed;
 * - at the total limit the server first closes its idle keep-alive sockets (a request waits on none of
 *   them), and answers a connection that still finds no room 503 and closes it.
 * The total stays below the process's descriptor limit, so Redis, webhooks and the revocation lists
 * always find a descriptor. Behind a reverse proxy the peer is the proxy, not the client: the
 * per-address limit is then the proxy's share (see README: a proxy must limit per client itself).
 */
import { readFileSync } from 'node:fs';
import { ipKeyGenerator } from 'express-rate-limit';
import { IPV6_SUBNET } from './rate-limits.js';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimitOptions {
  /** Open connections one client address (IPv6: its /64) may hold; 0: no per-address limit. */
  perAddress: number;
  /** Open connections in all. */
  total: number;
  /** Hears of each refused connection (metrics, a rate-limited log line). */
  onRefused?: (why: 'address' | 'total') => void;
}

/** The address a connection counts against: IPv4 as is, IPv6 by its /64, as the rate limits count. */
export function connectionKey(address: string | undefined): string {
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: one /64 for all of them otherwise.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address ?? '');
  return mapped ? mapped[1] : ipKeyGenerator(address ?? 'unknown', IPV6_SUBNET);
}

const REFUSE_ADDRESS =
  'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 5\r\nContent-Type: application/json\r\nContent-Length: 72\r\n\r\n' +
  JSON.stringify({ error: 'RATE_LIMITED', message: 'too many open connections from this address' }).padEnd(72);
const REFUSE_TOTAL =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: 72\r\n\r\n' +
  JSON.stringify({ error: 'RATE_LIMITED', message: 'the server has no room for another connection' }).padEnd(72);

export function limitConnections(server: Server, options: ConnectionLimitOptions): { open: () => number; perAddress: (address: string) => number } {
  const counts = new Map<string, number>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    const key = connectionKey(socket.remoteAddress);
    const mine = counts.get(key) ?? 0;
    if (options.perAddress > 0 && mine >= options.perAddress) return refuse(socket, REFUSE_ADDRESS, 'address');
    if (open >= options.total) {
      server.closeIdleConnections();
      return refuse(socket, REFUSE_TOTAL, 'total');
    }
    open++;
    counts.set(key, mine + 1);
    socket.once('close', () => {
      open--;
      const left = (counts.get(key) ?? 1) - 1;
      if (left > 0) counts.set(key, left);
      else counts.delete(key);
    });
  });
  const refuse = (socket: Socket, answer: string, why: 'address' | 'total') => {
    options.onRefused?.(why);
    socket.on('error', () => {});
    socket.end(answer);
    // A peer that never reads must not keep the socket either.
    setTimeout(() => socket.destroy(), 1000).unref();
  };
  return { open: () => open, perAddress: (address) => counts.get(connectionKey(address)) ?? 0 };
}

/** The soft limit on open files of this process (Linux: /proc/self/limits); undefined elsewhere. */
export function descriptorLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
