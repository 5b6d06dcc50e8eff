/**
 * Radio libraries are optional dependencies: a counter PC without BLE or a PC/SC reader must still
 * run `kakunin reader` with a QR scanner. A missing library becomes TRANSPORT_UNAVAILABLE naming
 * what to install, never a crash at import time.
 */
import { ProximityError } from '../../protocols/proximity/errors.js';

export async function importOptional<T>(candidates: string[], purpose: string, howToInstall: string): Promise<T> {
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      // A variable specifier keeps TypeScript and bundlers from resolving the module at build time.
      const mod = (await import(name)) as { default?: T } & T;
      return mod.default ?? mod;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      failures.push(code === 'ERR_MODULE_NOT_FOUND' ? `${name}: not installed` : `${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new ProximityError('TRANSPORT_UNAVAILABLE', `${purpose} needs an optional package that is not installed or does not load here. ${howToInstall} (tried ${failures.join('; ')})`);
}
