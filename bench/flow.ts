/**
 * One complete OpenID4VP flow against a running `kakunin serve`, as the service benchmarks run it
 * (bench:http, bench:scale's pending verifications): create (POST /v1/verifications), the wallet
 * fetches the signed request and posts its encrypted answer, then the result is read. Throws when
 * any step does not answer as a verified flow must, so a benchmark never times failures.
 */
import type { DemoWallet } from '../src/service/startup/demo-wallet.js';

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
