/**
 * CERTIFICATE_LIMITS, checked before a certificate is parsed, at the limit (read) and one past it
 * (refused, naming the limit): its size, the attributes of a name, its extensions. Certificates made
 * exactly that large or with exactly that many, self-signed.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_LIMITS, parseCertificate } from '../../src/trust/certificate.js';
import * as x509 from '../../src/trust/x509.js';

const crypto = webcrypto as unknown as Crypto;
const keys = crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
const PRIVATE_OID = '1.3.6.1.4.1.99999.';

async function selfSigned(options: { name?: string; extensions?: x509.Extension[] }): Promise<Uint8Array> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    { serialNumber: '01', name: options.name ?? 'CN=kakunin certificate limits, C=JP', keys: await keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, extensions: options.extensions ?? [] },
    crypto,
  );
  return new Uint8Array(cert.rawData);
}

/** A certificate of exactly `size` bytes: one private extension as large as it takes (the signature's length varies, so it is made until it fits). */
async function ofSize(size: number): Promise<Uint8Array> {
  let pad = size - (await selfSigned({ extensions: [new x509.Extension(`${PRIVATE_OID}1`, false, new Uint8Array(1000))] })).length + 1000;
  for (;;) {
    const der = await selfSigned({ extensions: [new x509.Extension(`${PRIVATE_OID}1`, false, new Uint8Array(pad))] });
    if (der.length === size) return der;
    // Sized for the signature just made: the next one is as long often enough.
    pad += size - der.length;
  }
}

const refusal = (der: Uint8Array) => {
  try {
    parseCertificate(der);
    return undefined;
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
};

describe('CERTIFICATE_LIMITS', () => {
  it(`${CERTIFICATE_LIMITS.bytes} bytes read; one more refused`, async () => {
    expect(refusal(await ofSize(CERTIFICATE_LIMITS.bytes))).toBeUndefined();
    expect(refusal(await ofSize(CERTIFICATE_LIMITS.bytes + 1))).toMatchObject({
      code: 'ISSUER_CERT_PROFILE',
      message: expect.stringContaining(`${CERTIFICATE_LIMITS.bytes + 1} bytes, over the limit of ${CERTIFICATE_LIMITS.bytes}`),
    });
  });

  it(`${CERTIFICATE_LIMITS.nameAttributes} attributes in a name read; one more refused`, async () => {
    const name = (n: number) => [...Array.from({ length: n - 1 }, (_, i) => `OU=unit ${i}`), 'C=JP'].join(', ');
    expect(refusal(await selfSigned({ name: name(CERTIFICATE_LIMITS.nameAttributes) }))).toBeUndefined();
    expect(refusal(await selfSigned({ name: name(CERTIFICATE_LIMITS.nameAttributes + 1) }))).toMatchObject({
      code: 'ISSUER_CERT_PROFILE',
      message: expect.stringContaining(`name has ${CERTIFICATE_LIMITS.nameAttributes + 1} attributes, over the limit of ${CERTIFICATE_LIMITS.nameAttributes}`),
    });
  });

  it(`${CERTIFICATE_LIMITS.extensions} extensions read; one more refused`, async () => {
    const extensions = (n: number) => Array.from({ length: n }, (_, i) => new x509.Extension(`${PRIVATE_OID}${i + 1}`, false, Uint8Array.of(0x05, 0x00)));
    expect(refusal(await selfSigned({ extensions: extensions(CERTIFICATE_LIMITS.extensions) }))).toBeUndefined();
    expect(refusal(await selfSigned({ extensions: extensions(CERTIFICATE_LIMITS.extensions + 1) }))).toMatchObject({
      code: 'ISSUER_CERT_PROFILE',
      message: expect.stringContaining(`${CERTIFICATE_LIMITS.extensions + 1} extensions, over the limit of ${CERTIFICATE_LIMITS.extensions}`),
    });
  });
});
