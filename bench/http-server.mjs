/**
 * The service process of `npm run bench:http`: `kakunin serve` with the flags given, from the compiled
 * JavaScript in dist/ (what `npm start` and the image run; `bench:http` builds it first), so the
 * figures carry no TypeScript loader.
 */
import { startServe } from '../dist/service/startup/serve.js';
import { createLogger } from '../dist/service/observability/logger.js';
import { verifyDeviceResponse } from '../dist/mdoc/index.js';
import { TrustStore } from '../dist/trust/index.js';

const svc = await startServe(process.argv.slice(2), { signals: true, logger: createLogger('warn') });
process.stdout.write(`ready ${svc.url}\n`);

/**
 * The CPU time (user + system, this process) of one core verification of the DeviceResponse the
 * bench sends, run here for `seconds`: the denominator of the bench's ratio is measured where its
 * numerator is, in the same process and the same code, as CPU time and not wall time (on a loaded
 * machine wall time runs ahead of CPU time, which made the ratio look better than it was).
 */
function coreCpu({ response, sessionTranscript, iaca, docTypes, seconds }) {
  const bytes = new Uint8Array(Buffer.from(response, 'base64'));
  const transcript = new Uint8Array(Buffer.from(sessionTranscript, 'base64'));
  const trust = TrustStore.fromCertificates([new Uint8Array(Buffer.from(iaca, 'base64'))], { set: 'bench', docTypes });
  const at = new Date();
  const verify = () => {
    if (!verifyDeviceResponse(bytes, { trust, at, sessionTranscript: transcript }).valid) throw new Error('core verification failed');
  };
  for (let i = 0; i < 200; i++) verify(); // warm
  let n = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    verify();
    n++;
  }
  const used = process.cpuUsage(cpu);
  return { verifications: n, cpuMs: (used.user + used.system) / 1000 / n };
}

// The bench asks for this process's own CPU time (user + system) before and after its timed flows,
// for the heap after a full collection (the bench starts this process with --expose-gc), and for
// the CPU time of one core verification here.
process.on('message', (m) => {
  if (m === 'cpu') process.send?.(process.cpuUsage());
  if (m === 'heap') {
    globalThis.gc?.();
    process.send?.({ heap: process.memoryUsage().heapUsed });
  }
  if (m && typeof m === 'object' && 'core' in m) process.send?.({ core: coreCpu(m.core) });
});
