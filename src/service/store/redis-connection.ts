/**
 * One way to connect to Redis, for the session store, the rate limits and the webhook queue: a single
 * server (REDIS_URL), or a Redis Cluster / Valkey cluster (KAKUNIN_REDIS_CLUSTER, REDIS_URL naming
 * one or more seed nodes, comma-separated). Everything kakunin writes for one verification carries
 * one hash tag (redis-store.ts), so its Lua scripts stay in one slot; the webhook queue's keys share
 * the tag BullMQ's prefix carries; pub/sub works across a cluster (PUBLISH reaches every node).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  /** redis:// or rediss:// URL; in cluster mode one or more seed nodes, comma-separated. */
  url: string;
  cluster?: boolean;
}

export interface ConnectOptions {
  /** A command with no reply after this long fails (default 2000 ms; undefined: none). */
  commandTimeoutMs?: number | undefined;
  /** null: retry for ever (BullMQ's blocking worker connection). */
  maxRetriesPerRequest?: number | null;
}

function nodeOptions(url: URL, options: ConnectOptions): RedisOptions {
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 2 : options.maxRetriesPerRequest,
    ...(options.commandTimeoutMs !== undefined ? { commandTimeout: options.commandTimeoutMs } : {}),
  };
}

/** A connection that reconnects by itself; its errors surface on the calls (and /readyz), not as events. */
export function connectRedis(target: RedisTarget, options: ConnectOptions = { commandTimeoutMs: 2000 }): RedisClient {
  let client: RedisClient;
  if (target.cluster) {
    const seeds = target.url.split(',').map((u) => new URL(u.trim()));
    client = new Cluster(
      seeds.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
      {
        redisOptions: nodeOptions(seeds[0], options),
        // While a master fails over, commands wait for the new slot map instead of failing at once.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        retryDelayOnTryAgain: 200,
        slotsRefreshTimeout: 2000,
        enableOfflineQueue: true,
      },
    );
  } else {
    const url = new URL(target.url);
    client = new Redis(target.url, { ...nodeOptions(url, options), lazyConnect: false, enableOfflineQueue: true });
  }
  client.on('error', () => undefined);
  return client;
}
