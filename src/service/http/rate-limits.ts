/**
 * Rate limits, through express-rate-limit: fixed one-minute windows per key. Without Redis each
 * process counts for itself; with Redis (rate-limit-redis) every instance counts in the same place,
 * so a limit holds across a fleet rather than per instance.
 *
 * Keys are keyed hashes (the store cipher's names): Redis and memory hold no client address, API
 * key or request handle. Client addresses are grouped before hashing: IPv4 per address, IPv6 per
 * /64, the smallest block one subscriber is given, so that rotating through one's own /64 gains
 * nothing.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { Cluster } from 'ioredis';
import { connectRedis, type RedisClient, type RedisTarget } from '../store/redis-connection.js';
import { RedisStore } from 'rate-limit-redis';
import { ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

const WINDOW_MS = 60_000;
export const IPV6_SUBNET = 64;

export interface RateLimitsOptions {
  /** The keyed name of a value (StoreCipher.name). */
  name: (value: string) => string;
  logger: Logger;
  /** With Redis: limits counted there, under `{prefix}rl:{limit}:{keyed name}`. */
  redis?: RedisTarget & { prefix: string };
}

export class RateLimits {
  private readonly redis: RedisClient | undefined;

  constructor(private readonly options: RateLimitsOptions) {
    if (options.redis) {
      // Errors are reported through the store and /readyz.
      this.redis = connectRedis(options.redis);
    }
  }

  get kind(): 'memory' | 'redis' {
    return this.redis ? 'redis' : 'memory';
  }

  /**
   * At most `perMinute` requests a minute per key `keyOf` derives (undefined: not limited); 0 turns
   * the limit off. `limit` names it in Redis, `what` in the 429's message.
   */
  limit(limit: string, perMinute: number, what: string, keyOf: (req: Request) => string | undefined): RequestHandler {
    if (perMinute <= 0) return (_req, _res, next) => next();
    return rateLimit({
      windowMs: WINDOW_MS,
      limit: perMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      skip: (req) => keyOf(req) === undefined,
      keyGenerator: (req) => this.options.name(`rl\0${limit}\0${keyOf(req)}`),
      handler: (req, res, next) => next(limited(req, res, what)),
      // A Redis that fails fails the request's own work too (503 from the store): the limiter lets it
      // through rather than answer 500 for it.
      passOnStoreError: true,
      // Whether X-Forwarded-For is believed is KAKUNIN_TRUST_PROXY's business, said in app.ts.
      validate: { xForwardedForHeader: false, trustProxy: false },
      logger: {
        warn: (m: unknown) => this.options.logger.warn({ err: messageOf(m) }, 'rate limiter'),
        // A store that cannot load its script at start is a Redis that is not there: start-up says
        // that once, naming it, rather than a line per limit here.
        error: (m: unknown, context?: unknown) =>
          String(context).includes('store initialization')
            ? this.options.logger.debug({ err: messageOf(m) }, 'rate limiter: store not ready')
            : this.options.logger.error({ err: messageOf(m) }, 'rate limiter'),
      },
      ...(this.redis ? { store: this.store(limit) } : {}),
    });
  }

  private store(limit: string): Store {
    const redis = this.redis!;
    const prefix = `${this.options.redis!.prefix}rl:${limit}:`;
    if (!(redis instanceof Cluster)) return new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<number> });
    // On a cluster each counter is one key (EVALSHA routes by it); the script is loaded on every
    // master, so whichever holds a key's slot, now or after a failover, knows it.
    return new RedisStore({
      prefix,
      sendCommandCluster: async ({ command: [name, ...args] }) => {
        if (name.toUpperCase() !== 'SCRIPT') return redis.call(name, ...args) as Promise<number>;
        const shas = await Promise.all(redis.nodes('master').map((node) => node.call(name, ...args)));
        return shas[0] as string;
      },
    });
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}

/** The client's address as a limit key: IPv4 as is, IPv6 by its /64. */
export function clientAddressKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown', IPV6_SUBNET);
}

const messageOf = (m: unknown) => (m instanceof Error ? m.message : String(m));

function limited(req: Request, res: Response, what: string): ServiceError {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const seconds = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + WINDOW_MS) - Date.now()) / 1000));
  res.set('retry-after', String(seconds));
  return new ServiceError('RATE_LIMITED', `too many requests from this ${what}; retry in ${seconds} s`);
}
