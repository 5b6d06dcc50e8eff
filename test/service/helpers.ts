import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/service/observability/logger.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A logger whose JSON lines the test can read back (to check that no personal data is logged). */
export function capturingLogger(level = 'debug') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

/**
 * `text` without its clock readings (pino's "time" in ms, a JWT's iat/exp/nbf in s), before it is
 * searched for personal data: a timestamp's digits hold "1990", the sandbox holder's birth year,
 * about once in a few hundred log lines.
 */
export function withoutTimes(text: string): string {
  return text.replace(/"(time|iat|exp|nbf)":\d+/g, '"$1":0');
}
