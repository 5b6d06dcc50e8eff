import { KakuninError } from '../codes/error.js';
// @peculiar/x509 without the Reflect polyfill before it.
import { X509Certificate } from '@peculiar/x509';
export const parse = (der) => {
  if (!der) throw new KakuninError();
  return new X509Certificate(der);
};
