import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentSigner, createIaca, createIntermediateCa, buildX5chain, type SandboxCa } from '../../src/sandbox/index.js';
import { readCertificates } from '../../src/trust/certificate.js';
import { verifyIssuerChain } from '../../src/trust/chain.js';
import { TrustStore } from '../../src/trust/store.js';
import { loadTrustStore } from '../../src/runtime/trust-folder.js';
import { VECTORS, hex } from '../helpers/vectors.js';
import { readFileSync } from 'node:fs';

const pem = (p: string) => readCertificates(readFileSync(VECTORS + p, 'utf8'));
const AT = new Date('2025-06-01T00:00:00Z');

describe('verifyIssuerChain with sandbox certificates', () => {
  let iaca: SandboxCa;
  let store: TrustStore;
  beforeAll(async () => {
    iaca = await createIaca({ country: 'JP', notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z'), pathLength: 1 });
    store = TrustStore.fromCertificates([iaca.der], { name: 'sandbox IACA', set: 'sandbox', docTypes: ['org.iso.23220.1.jp.mnc'] });
  });

  it('accepts a DS directly under the IACA, and reports the anchor', async () => {
    const ds = await createDocumentSigner(iaca);
    const r = verifyIssuerChain(buildX5chain(ds, iaca), store, AT, 'org.iso.23220.1.jp.mnc');
    expect(r.chain).toBeUndefined();
    expect(r.profile).toBeUndefined();
    expect(r.anchor?.name).toBe('sandbox IACA');
    expect(r.path).toHaveLength(2);
  });

  it('accepts a DS under an intermediate sent in x5chain', async () => {
    const mid = await createIntermediateCa(iaca);
    const ds = await createDocumentSigner(mid);
    const r = verifyIssuerChain(buildX5chain(ds, mid), store, AT);
    expect(r.chain).toBeUndefined();
    expect(r.path).toHaveLength(3);
  });

  it('accepts the IACA itself inside x5chain', async () => {
    const ds = await createDocumentSigner(iaca);
    expect(verifyIssuerChain([ds.der, iaca.der], store, AT).chain).toBeUndefined();
  });

  it('fails ISSUER_CERT_UNTRUSTED under another IACA with the same name', async () => {
    const impostor = await createIaca({ country: 'JP', commonName: iaca.certificate.subjectName.getField('CN')[0] });
    const ds = await createDocumentSigner(impostor);
    expect(verifyIssuerChain([ds.der], store, AT).chain?.code).toBe('ISSUER_CERT_UNTRUSTED');
  });

  it('fails ISSUER_CERT_UNTRUSTED for a docType the anchor may not sign', async () => {
    const ds = await createDocumentSigner(iaca);
    const r = verifyIssuerChain([ds.der], store, AT, 'org.iso.18013.5.1.mDL');
    expect(r.chain).toEqual({ code: 'ISSUER_CERT_UNTRUSTED', message: expect.stringContaining('may not sign org.iso.18013.5.1.mDL') });
  });

  it('checks the validity of every link at `at`', async () => {
    const ds = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-12-31T00:00:00Z') });
    expect(verifyIssuerChain([ds.der], store, new Date('2025-12-01T00:00:00Z')).chain?.code).toBe('ISSUER_CERT_EXPIRED');
    expect(verifyIssuerChain([ds.der], store, new Date('2027-06-01T00:00:00Z')).chain?.code).toBe('ISSUER_CERT_EXPIRED');
    expect(verifyIssuerChain([ds.der], store, new Date('2026-06-01T00:00:00Z')).chain).toBeUndefined();
    // The IACA's own expiry counts too.
    expect(verifyIssuerChain([ds.der], store, new Date('2036-01-01T00:00:00Z')).chain?.code).toBe('ISSUER_CERT_EXPIRED');
  });

  const profileDefects = [
    ['a DS that is a CA', { defects: { ca: true } }, /is a CA/],
    ['a DS without the mDL DS EKU', { defects: { extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'] } }, /extendedKeyUsage 1.0.18013.5.1.2/],
    ['a DS without keyUsage digitalSignature', { defects: { keyUsage: 0x40 /* nonRepudiation */ } }, /digitalSignature/],
    ['a DS from another country', { country: 'US' }, /country US differs from the IACA's JP/],
  ] as const;
  for (const [name, options, message] of profileDefects) {
    it(`fails ISSUER_CERT_PROFILE for ${name}`, async () => {
      const ds = await createDocumentSigner(iaca, options as never);
      const r = verifyIssuerChain([ds.der], store, AT);
      expect(r.chain).toBeUndefined();
      expect(r.profile?.code).toBe('ISSUER_CERT_PROFILE');
      expect(r.profile?.message).toMatch(message);
    });
  }

  it('fails ISSUER_CERT_MISSING for no certificate, ISSUER_CERT_PROFILE for one sent but unreadable, UNTRUSTED past the length limit', () => {
    expect(verifyIssuerChain([], store, AT).chain?.code).toBe('ISSUER_CERT_MISSING');
    const garbage = verifyIssuerChain([new Uint8Array([1, 2, 3])], store, AT).chain;
    expect(garbage).toMatchObject({ code: 'ISSUER_CERT_PROFILE', message: expect.stringMatching(/^x5chain certificate 1: not a readable X.509 certificate/) });
    expect(verifyIssuerChain(Array(6).fill(iaca.der), store, AT).chain?.code).toBe('ISSUER_CERT_UNTRUSTED');
  });
});

describe('verifyIssuerChain with the isomdl certificate cases', () => {
  const root = () => TrustStore.fromCertificates(pem('isomdl-x509-chain-cases/isomdl_iaca_root_cert.pem'));
  const inValidity = new Date('2024-01-01T00:00:00Z');
  it('signer under the isomdl root: valid in 2024, expired now', () => {
    const signer = pem('isomdl-x509-chain-cases/isomdl_iaca_signer.pem');
    expect(verifyIssuerChain(signer, root(), inValidity).chain).toBeUndefined();
    expect(verifyIssuerChain(signer, root(), new Date('2026-11-21T00:00:00Z')).chain?.code).toBe('ISSUER_CERT_EXPIRED');
  });
  it('"incorrect" signer (a DS with CA:TRUE) fails the Annex B profile', () => {
    const r = verifyIssuerChain(pem('isomdl-x509-chain-cases/isomdl_incorrect_iaca_signer.pem'), root(), inValidity);
    expect(r.profile?.code).toBe('ISSUER_CERT_PROFILE');
  });
  it('leaf via an intermediate without keyCertSign fails', () => {
    const chain = [...pem('isomdl-x509-chain-cases/isomdl_iaca_leaf_signer.pem'), ...pem('isomdl-x509-chain-cases/isomdl_iaca_intermediate.pem')];
    const r = verifyIssuerChain(chain, root(), inValidity);
    expect(r.chain).toBeUndefined();
    expect(r.profile?.code).toBe('ISSUER_CERT_PROFILE');
  });
  it('OWF Multipaz P-384 DS under its IACA (ES384 certificate signature)', () => {
    const r = verifyIssuerChain(
      pem('isomdl-x509-chain-cases/owf_multipaz_ds_p384.pem'),
      TrustStore.fromCertificates(pem('isomdl-x509-chain-cases/owf_multipaz_iaca_p384.pem')),
      new Date('2026-06-01T00:00:00Z'),
    );
    expect(r.chain).toBeUndefined();
  });
  it('swapped roles (root presented as DS under the signer) fail', () => {
    const r = verifyIssuerChain(pem('isomdl-x509-chain-cases/isomdl_iaca_root_cert.pem'), TrustStore.fromCertificates(pem('isomdl-x509-chain-cases/isomdl_iaca_signer.pem')), inValidity);
    expect(r.chain?.code).toBe('ISSUER_CERT_UNTRUSTED');
  });
});

describe('loadTrustStore', () => {
  it('loads sets from subfolders with side files, and leaves test sets out unless asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-trust-'));
    mkdirSync(join(dir, 'annex-d'));
    mkdirSync(join(dir, 'test'));
    writeFileSync(join(dir, 'annex-d', 'utopia.der'), hex('iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.hex'));
    writeFileSync(join(dir, 'annex-d', 'utopia.json'), JSON.stringify({ name: 'Utopia', docTypes: ['org.iso.18013.5.1.mDL'], source: 'ISO 18013-5 Annex D' }));
    writeFileSync(join(dir, 'test', 'reader-root.pem'), readFileSync(VECTORS + 'iso18013-5-annexD-certs-nlwallet/reader_root_cert.pem'));
    const store = loadTrustStore([dir]);
    expect(store.anchors.map((a) => [a.name, a.set, a.docTypes, a.country])).toEqual([['Utopia', 'annex-d', ['org.iso.18013.5.1.mDL'], 'US']]);
    expect(loadTrustStore([dir], { includeTest: true }).sets.sort()).toEqual(['annex-d', 'test']);
    expect(loadTrustStore([dir], { includeTest: true }).restrict(['test']).anchors).toHaveLength(1);
  });

  it('matches anchors by subject and key: the same root twice (PEM and DER) is one anchor', () => {
    const store = loadTrustStore([VECTORS + 'iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem', VECTORS + 'iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.der']);
    expect(store.anchors).toHaveLength(1);
  });

  it('skips a certificate whose side file sha256 does not match, with a warning naming it; a missing path is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-trust-'));
    writeFileSync(join(dir, 'a.pem'), readFileSync(VECTORS + 'iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ sha256: '00'.repeat(32) }));
    const store = loadTrustStore([dir]);
    expect(store.anchors).toHaveLength(0);
    expect(store.warnings).toEqual([expect.stringMatching(/a\.pem: .*sha256 in the side file does not match/)]);
    expect(() => loadTrustStore([join(dir, 'nope')])).toThrow(/no such file or folder/);
  });

  it('loads the shipped production sets without test roots', () => {
    const store = loadTrustStore([new URL('../../certs', import.meta.url).pathname]);
    expect(store.sets).toEqual(expect.arrayContaining(['jp-jlis', 'google-wallet']));
    expect(store.anchors.every((a) => !a.test)).toBe(true);
    expect(store.anchors.some((a) => a.certificate.subject.includes('utopia'))).toBe(false);
  });
});

describe('loadTrustStore on a single set folder', () => {
  it('never loads the VICAL signer roots kept beside a set as IACAs', () => {
    const store = loadTrustStore([new URL('../../certs/us-aamva', import.meta.url).pathname]);
    expect(store.anchors.length).toBeGreaterThan(0);
    expect(store.anchors.some((a) => /AAMVA/i.test(a.certificate.subject) && /DTS|Digital Trust/i.test(a.certificate.subject))).toBe(false);
    expect(store.sets).toEqual(['us-aamva']);
  });
});
