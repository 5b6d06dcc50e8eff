/**
 * `kakunin serve` and `kakunin demo`, as functions the CLI dispatcher calls. Both start the same
 * service; demo turns sandbox mode on, holds a demo wallet whose IACA it trusts, and prints a
 * walkthrough. They shut down gracefully on SIGTERM / SIGINT: stop accepting, finish what is in
 * flight, close the store.
 */
import { createServer } from 'node:http';
import { limitConnections } from '../http/connection-limits.js';
import { TrustStore } from '../../trust/index.js';
import { createApp } from '../http/app.js';
import { buildContext, type BuildOptions } from './build-context.js';
import { ConfigError, loadConfig, type ServiceConfig } from './load-config.js';
import type { ServiceContext } from '../context.js';
import type { RunningService, ServiceOptions } from './running-service.js';
import { DemoWallet, sandboxWalletRoutes } from './demo-wallet.js';
import { probeRedis, redisAddress } from '../store/redis-connection.js';
import { withDeadline } from '../webhooks/queue.js';

export { ConfigError };

/** What startServe and startDemo give the CLI, the tests and the benchmarks: a RunningService and the service's insides. */
export interface StartedService extends RunningService {
  ctx: ServiceContext;
}

/** startServe and startDemo's options: ServiceOptions and the parts tests replace (logger, store, webhook queue, revocation fetch). */
export interface RunOptions extends ServiceOptions, BuildOptions {}

/** runServe with the service's insides: its context in the result, its parts replaceable in the options. */
export async function startServe(args: string[], options: RunOptions = {}): Promise<StartedService> {
  const config = loadConfig(args, options.env ?? process.env, { sandbox: false });
  return start(config, options);
}

/** runDemo with the service's insides (see startServe). */
export async function startDemo(args: string[], options: RunOptions = {}): Promise<StartedService> {
  const config = loadConfig(args, options.env ?? process.env, { sandbox: true });
  const { wallet, extraTrust } = await demoWallet(config, options);
  const running = await start(config, { ...options, extraTrust }, wallet);
  if (!options.quiet) {
    process.stdout.write(
      [
        '',
        `  kakunin demo is running: ${running.url}/`,
        '',
        '  1. Open the counter page:  ' + `${running.url}/`,
        '  2. Press 20歳以上 (20 or over).',
        '  3. Press "サンドボックスのウォレットで応答 / Answer with the sandbox wallet": the demo wallet',
        '     (a sandbox My Number Card, born 1990-04-01, 千代田区) reads the QR code and answers.',
        '  4. The page turns green: ✓ 20歳以上. Press 次のお客様 / Next customer to start again.',
        '',
        `  Merchant checkout demo: ${running.url}/merchant.html     API: ${running.url}/openapi.json`,
        '  Sandbox mode: the sandbox IACA is trusted, no API key. Ctrl-C to stop.',
        ...(config.appleTestIds ? ['  TEST IDS ON: the sandbox wallet holds an Apple-style test mDL; every answer reads TEST, never verified.'] : []),
        '',
      ].join('\n'),
    );
  }
  return running;
}

/** The demo's sandbox wallet and the trust in its IACA (with `options.extraTrust`), as `kakunin demo` and `kakunin check demo` make them. */
export async function demoWallet(config: ServiceConfig, options: Pick<RunOptions, 'now' | 'extraTrust'>): Promise<{ wallet: DemoWallet; extraTrust: TrustStore }> {
  if (!config.sandbox) throw new ConfigError('kakunin demo always runs in sandbox mode');
  const wallet = await DemoWallet.create((options.now ?? (() => new Date()))(), { appleTestId: config.appleTestIds });
  const own = TrustStore.fromCertificates([wallet.iaca.der], { set: 'sandbox', name: 'kakunin sandbox IACA', test: true });
  return { wallet, extraTrust: options.extraTrust ? TrustStore.merge(own, options.extraTrust) : own };
}

/**
 * Whether REDIS_URL answers PING: its address (host:port of each node, no credentials) and, when it
 * does not answer, why. The start logs it and carries on; `kakunin check` counts it as a problem.
 */
export async function redisReachable(config: ServiceConfig): Promise<{ address: string; why?: string } | undefined> {
  if (!config.redisUrl) return undefined;
  const target = { url: config.redisUrl, cluster: config.redisCluster };
  const why = await probeRedis(target);
  return { address: redisAddress(target), ...(why ? { why } : {}) };
}

async function start(config: ServiceConfig, options: RunOptions, wallet?: DemoWallet): Promise<StartedService> {
  const ctx = await buildContext(config, options);
  // The cached revocation lists are restored (without holding the event loop) before the port opens:
  // they answer from the first request.
  await ctx.revocation?.ready;
  const redis = options.store ? undefined : await redisReachable(config);
  // The connections reconnect by themselves; the operator learns once, here, that they have to.
  if (redis?.why)
    ctx.logger.error(
      { redis: redis.address, reason: redis.why },
      `Redis at ${redis.address} is unreachable (${redis.why}): verifications answer 503 and /readyz fails until it answers; the service keeps trying`,
    );
  const app = createApp(ctx, wallet ? { routes: sandboxWalletRoutes(wallet, `${config.publicUrl}/v1/wallet/`) } : {});
  // Not app.listen: Express 5 calls its callback on errors too, so a port in use looked like a start.
  // Node's defaults hold a request open for 300 s: a client that trickles its body would keep a
  // socket and a parser for that long. Headers get 10 s (at most the request timeout), the whole
  // request KAKUNIN_REQUEST_TIMEOUT, checked every second.
  const requestTimeout = config.requestTimeoutSeconds * 1000;
  const server = createServer({ requestTimeout, headersTimeout: Math.min(10_000, requestTimeout), connectionsCheckingInterval: 1000, ...app.serverOptions }, app.listener);
  let lastRefusalLog = 0;
  limitConnections(server, {
    total: config.maxConnections,
    perAddress: config.maxConnectionsPerAddress,
    onRefused: (why) => {
      ctx.metrics.connectionsRefused.inc({ why });
      // One line a minute at most: a flood must not become a flood of log lines. No address: that is personal data.
      if (Date.now() - lastRefusalLog > 60_000) {
        lastRefusalLog = Date.now();
        ctx.logger.warn(
          { why, maxConnections: config.maxConnections, perAddress: config.maxConnectionsPerAddress },
          why === 'address' ? 'connection refused: one client address holds its limit of open connections' : 'connection refused: no room for another connection (idle keep-alive connections closed)',
        );
      }
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await ctx.revocation?.stop();
    await releaseContext(ctx, 0);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError(`port ${config.port} on ${config.host} is already in use (EADDRINUSE): stop what uses it or choose another with --port / PORT`);
    if (code === 'EACCES') throw new ConfigError(`port ${config.port} on ${config.host} needs privileges this process does not have (EACCES): choose a port above 1023`);
    throw e;
  }
  // Idle keep-alive sockets: short facing clients directly (each one holds a descriptor), longer than
  // the balancer's own behind a proxy, or it reuses a socket this server just closed (load-config.ts).
  server.keepAliveTimeout = config.keepAliveTimeoutSeconds * 1000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.port === 0 ? config.publicUrl.replace(/:0$/, `:${port}`) : config.publicUrl;
  ctx.logger.info({ port, host: config.host }, 'listening');
  if (wallet && !['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
    ctx.logger.warn({ host: config.host }, 'THE DEMO IS REACHABLE FROM OTHER MACHINES: it trusts a sandbox issuer and needs no API key. Bind it to 127.0.0.1 unless you mean to show it on a network.');
  }
  // Revocation lists are fetched in the background from now on; verifications never wait for them.
  ctx.revocation?.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      ctx.logger.info('shutting down');
      await ctx.revocation?.stop();
      await new Promise<void>((r) => {
        server.close(() => r());
        // SSE streams never end by themselves: end idle and streaming connections.
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          r();
        }, 2000).unref();
      });
      await releaseContext(ctx, WEBHOOK_DRAIN_MS);
    })());
  if (options.signals) {
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) {
        // A second signal: the operator does not want to wait.
        ctx.logger.warn({ signal }, 'second signal during shutdown: exiting now');
        process.exit(1);
      }
      // Whatever a dependency does (a Redis that never answers QUIT, a delivery that hangs), the
      // process is gone within the grace period.
      setTimeout(() => {
        ctx.logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown did not finish within the grace period: exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      void close().then(() => process.exit(0));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { url, ctx, server, close };
}

/** How long shutdown waits for webhook deliveries under way (a SIGTERM grace period is usually 30 s). */
const WEBHOOK_DRAIN_MS = 15_000;

/**
 * After SIGTERM/SIGINT the process exits within this long, finished or not: under the 30 s a
 * container platform waits before SIGKILL, and longer than the webhook drain plus the closes after it.
 */
export const SHUTDOWN_GRACE_MS = 25_000;

/**
 * Closes what the context holds once the server no longer takes requests: webhook deliveries
 * (waited for at most `drainMs`, saying what that leaves behind), the rate limits' and the store's
 * connections.
 */
async function releaseContext(ctx: ServiceContext, drainMs: number): Promise<void> {
  const underWay = ctx.webhooks.underWay;
  if ((await ctx.webhooks.close(drainMs)) === 'timeout') {
    if (ctx.webhooks.kind === 'redis') ctx.logger.warn({ underWay }, 'shutting down with webhook deliveries under way: they stay in Redis and another instance takes them over');
    else ctx.logger.warn({ undelivered: ctx.webhooks.underWay }, 'shutting down with webhook deliveries still under way: they are lost (configure Redis to keep them)');
  }
  // Each close is bounded (the Redis ones drop their sockets after a second): a stop never waits
  // on a dependency that is gone.
  await ctx.rateLimits.close();
  await withDeadline(ctx.store.close(), 3000);
}
