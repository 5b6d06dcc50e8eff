/**
 * A real Redis Cluster for tests: three masters and three replicas, each a redis-server process of
 * its own (Debian's) on a loopback port, joined with `redis-cli --cluster create`. Nothing is written
 * to disk but each node's cluster config, in a temporary folder removed on stop.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../service/helpers.js';

const run = promisify(execFile);

export interface RedisClusterNodes {
  ports: number[];
  /** redis://127.0.0.1:p for every node, comma-separated: the seeds REDIS_URL names. */
  url: string;
  cli(port: number, ...args: string[]): Promise<string>;
  /** Promotes a replica of the master holding `key`'s slot, the way an operator does (CLUSTER FAILOVER): returns the old master's port. */
  failoverMasterOf(key: string): Promise<{ oldMaster: number; newMaster: number }>;
  /** The port of the master holding `key`'s slot. */
  masterPortOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis cluster: ${what} did not happen in ${timeoutMs} ms`);
}

export async function startRedisCluster(): Promise<RedisClusterNodes> {
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-cluster-'));
  const ports: number[] = [];
  while (ports.length < 6) {
    const p = await freePort();
    // The cluster bus listens on port + 10000: both must be free and below 65536.
    if (p < 55_000 && !ports.includes(p)) ports.push(p);
  }
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '1000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    ),
  );
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args])).stdout;
  for (const port of ports) await until(`node ${port} answering`, async () => (await cli(port, 'ping')).trim() === 'PONG');
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
  for (const port of ports) await until(`node ${port} sees the cluster ok`, async () => (await cli(port, 'cluster', 'info')).includes('cluster_state:ok'));

  const masterOf = async (key: string) => {
    const slot = (await cli(ports[0], 'cluster', 'keyslot', key)).trim();
    const lines = (await cli(ports[0], 'cluster', 'nodes'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    for (const [id, address, flags, , , , , , ...ranges] of lines) {
      if (!flags.includes('master')) continue;
      for (const r of ranges) {
        const [from, to = from] = r.split('-').map(Number);
        if (Number(slot) >= from && Number(slot) <= to) return { id, port: Number(address.split(':')[1].split('@')[0]), lines };
      }
    }
    throw new Error(`no master for slot ${slot}`);
  };

  return {
    ports,
    url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','),
    cli,
    masterPortOf: async (key) => (await masterOf(key)).port,
    async failoverMasterOf(key) {
      const master = await masterOf(key);
      const replica = master.lines.find(([, , flags, masterId]) => flags.includes('slave') && masterId === master.id);
      if (!replica) throw new Error('the master has no replica');
      const replicaPort = Number(replica[1].split(':')[1].split('@')[0]);
      // A graceful failover needs the replica in sync (after an earlier failover it may still be
      // resyncing); one that did not happen in a few seconds is asked for again.
      await until('the replica in sync', async () => (await cli(replicaPort, 'info', 'replication')).includes('master_link_status:up'));
      await until(
        'the replica taking over',
        async () => {
          if ((await cli(replicaPort, 'role')).startsWith('master')) return true;
          await cli(replicaPort, 'cluster', 'failover');
          const deadline = Date.now() + 3000;
          while (Date.now() < deadline) {
            if ((await cli(replicaPort, 'role')).startsWith('master')) return true;
            await new Promise((r) => setTimeout(r, 100));
          }
          return false;
        },
        30_000,
      );
      // Every node must know the new master before the next failover is chosen from node 0's view.
      for (const port of ports) {
        await until(`node ${port} sees ${replicaPort} as a master`, async () => {
          const line = (await cli(port, 'cluster', 'nodes')).split('\n').find((l) => l.includes(`:${replicaPort}@`));
          return !!line && line.split(' ')[2].includes('master') && (await cli(port, 'cluster', 'info')).includes('cluster_state:ok');
        });
      }
      return { oldMaster: master.port, newMaster: replicaPort };
    },
    async stop() {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
