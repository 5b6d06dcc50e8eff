/**
 * One complete OpenID4VP flow against a running `kakunin serve`, as the service benchmarks run it
 * (bench:http, bench:http-parts, bench:scale's pending verifications): create (POST /v1/verifications),
 * the wallet fetches the signed request and posts its encrypted answer, then the result is read.
 * Throws when any step does not answer as a verified flow must, so a benchmark never times failures.
 * Also what bench:http and bench:http-parts share about the service process they measure
 * (bench/http-server.mjs): how it is started, and its CPU time and core verification asked over IPC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DemoWallet } from '../src/service/startup/demo-wallet.js';
import { createDeviceResponse } from '../src/sandbox/index.js';
import { openID4VPSessionTranscript } from '../src/protocols/transcript/index.js';

export async function flow(base: string, wallet: DemoWallet, apiKey: string): Promise<void> {
  const created = await fetch(`${base}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: '{"purpose":"age_over"}' });
  if (created.status !== 201) throw new Error(`create: ${created.status}`);
  const v = (await created.json()) as { id: string; qr: { uri: string } };
  const posted = await wallet.answerQr(v.qr.uri);
  if (posted.status !== 200) throw new Error(`answer: ${posted.status}`);
  await posted.body?.cancel();
  const result = (await (await fetch(`${base}/v1/verifications/${v.id}`)).json()) as { state: string };
  if (result.state !== 'verified') throw new Error(`result: ${result.state}`);
}

/**
 * The `kakunin serve` flags both service benchmarks start with. Measured: the HTTP layer and the
 * store. The sandbox IACA publishes no CRL (revocation would fail every answer under serve's default
 * policy), and one client from one address would hit the per-IP rate limit: both are switched off,
 * and the benchmarks say so in their output.
 */
export function benchServeArgs(port: number, trustDir: string, apiKey: string): string[] {
  return ['--port', String(port), '--public-url', `http://127.0.0.1:${port}`, '--trust-dir', trustDir, '--api-keys', apiKey, '--revocation', 'off', '--rate-limit-ip', '0', '--rate-limit-key', '0'];
}

export interface ServiceProcess {
  /** The service's command line after node's own flags: its script (bench/http-server.mjs or a copy
   * of it in another checkout, to compare two builds in one run) and kakunin serve's flags. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** `taskset -c N` pins the process to core N. */
  cpu?: number;
  /** BENCH_CPU_PROF=<folder>: the service process writes a V8 CPU profile there when it stops. */
  profileDir?: string;
}

/** The service process of bench/http-server.mjs (or a copy of it): resolves once it says ready. */
export async function startService({ args, env, cpu, profileDir }: ServiceProcess): Promise<ChildProcess> {
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const all = [...prof, '--expose-gc', ...args];
  const [command, argv] = cpu !== undefined ? ['taskset', ['-c', String(cpu), process.execPath, ...all]] : [process.execPath, all];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, REDIS_URL: '', ...env } });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return child;
}

/** The default service script: this checkout's dist/ (the benchmarks build it first). */
export const HTTP_SERVER = fileURLToPath(new URL('./http-server.mjs', import.meta.url));

/** The service process's CPU time so far, in microseconds (user + system, all its threads). */
export function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as NodeJS.CpuUsage).user + (m as NodeJS.CpuUsage).system));
    child.send('cpu');
  });
}

/** The DeviceResponse a flow verifies (the demo wallet's card, age_over_20 disclosed, device-signed),
 * with its SessionTranscript and the IACA, as the service process's core measurement takes them. */
export function coreDocument(wallet: DemoWallet): { response: Uint8Array; sessionTranscript: Uint8Array; iaca: Uint8Array; docTypes: string[] } {
  const sessionTranscript = openID4VPSessionTranscript({ clientId: 'x509_hash:bench', nonce: 'n', jwkThumbprint: null, responseUri: 'https://bench/response' });
  const mdoc = wallet.wallet.options.credentials[0];
  const response = createDeviceResponse({ sessionTranscript, documents: [{ mdoc, disclose: { 'org.iso.23220.1': ['age_over_20'] }, deviceAuth: { kind: 'signature' } }] });
  return { response, sessionTranscript, iaca: wallet.iaca.der, docTypes: ['org.iso.23220.1.jp.mnc'] };
}

/** CPU time of one core verification, measured in the service process itself (bench/http-server.mjs),
 * after its flows: the same process, the same compiled code, CPU time as the flows' figure is. */
export function coreCpuOf(child: ChildProcess, doc: ReturnType<typeof coreDocument>, seconds = 3): Promise<{ verifications: number; cpuMs: number }> {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { core: { verifications: number; cpuMs: number } }).core));
    child.send({ core: { response: b64(doc.response), sessionTranscript: b64(doc.sessionTranscript), iaca: b64(doc.iaca), docTypes: doc.docTypes, seconds } });
  });
}
