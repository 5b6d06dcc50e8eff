/**
 * JSON logs (pino). What is logged is chosen field by field at each call site: ids, purposes,
 * outcomes, failure codes, routes and timings. Bodies, headers, keys and element values never are;
 * the redaction list is a second line of defence for the names that could carry them.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kakunin' },
      redact: {
        paths: ['secrets', '*.secrets', 'req.headers.authorization', 'req.headers["x-api-key"]', 'body', '*.body', 'privateKey', '*.privateKey', 'decision.value', '*.decision.value'],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
