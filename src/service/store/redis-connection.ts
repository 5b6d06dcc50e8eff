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

/**
 * QUIT each client, waiting at most `ms`: with the offline queue on, a QUIT to a Redis that is not
 * there waits for a connection that never comes, so past the deadline the sockets are just dropped.
 */
export async function closeRedis(clients: (RedisClient | undefined)[], ms = 1000): Promise<void> {
  const present = clients.filter((c): c is RedisClient => c !== undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((r) => (timer = setTimeout(r, ms)));
  await Promise.race([Promise.allSettled(present.map((c) => c.quit())), deadline]);
  clearTimeout(timer);
  for (const c of present) c.disconnect();
}

/** Where a Redis target points, for messages: host:port of each node, never the credentials. */
export function redisAddress(target: RedisTarget): string {
  return target.url
    .split(',')
    .map((u) => {
      const url = new URL(u.trim());
      return `${url.hostname}:${url.port || 6379}`;
    })
    .join(', ');
}

/**
 * Whether Redis answers PING within `ms`, with one connection that does not retry: undefined when it
 * does, else why not (the connection error, "no answer within N ms"). For the start-up line and
 * `kakunin check`.
 */
export async function probeRedis(target: RedisTarget, ms = 2000): Promise<string | undefined> {
  const first = new URL(target.url.split(',')[0].trim());
  const client = new Redis(first.toString(), { ...nodeOptions(first, { maxRetriesPerRequest: 0 }), lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: ms });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => (lastError = e));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((r) => (timer = setTimeout(() => r(`no answer within ${ms} ms`), ms)));
  try {
    return await Promise.race([
      client.connect().then(
        () => client.ping().then(() => undefined),
        (e: Error) => (lastError ?? e).message,
      ),
      deadline,
    ]);
  } catch (e) {
    return (e as Error).message;
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
