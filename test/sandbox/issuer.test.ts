import { createHash, type createPublicKey, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCbor, EncodedCbor, FullDate } from '../../src/cbor/index.js';
import { coseKeyToKeyObject } from '../../src/cose/index.js';
import {
  createDocumentSigner,
  issueMdoc,
  MDL_DOCTYPE,
  createMdlElements,
  MNC_DOCTYPE,
  MNC_JP_NS,
  MNC_NS,
  createMyNumberCardElements,
  type SandboxCa,
  type SandboxCertificate,
  type SandboxCurve,
} from '../../src/sandbox/index.js';
import { AT, MSO_VALIDITY, sandboxIssuer } from '../helpers/sandbox-issuer.js';

type M = Map<unknown, unknown>;

/** Verifies a COSE_Sign1 with node:crypto directly: Sig_structure written out byte by byte here,
 * a third path next to the sandbox's and the verifier's. */
function verifySign1(sign1: unknown[], publicKey: ReturnType<typeof createPublicKey>, detached?: Uint8Array): boolean {
  const [protectedBytes, , payload, signature] = sign1 as [Uint8Array, M, Uint8Array | null, Uint8Array];
  const body = payload ?? detached!;
  const head = (major: number, n: number): Buffer =>
    n < 24
      ? Buffer.of((major << 5) | n)
      : n < 256
        ? Buffer.of((major << 5) | 24, n)
        : n < 65536
          ? Buffer.of((major << 5) | 25, n >> 8, n & 255)
          : Buffer.of((major << 5) | 26, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  const tbs = Buffer.concat([Buffer.of(0x84), head(3, 10), Buffer.from('Signature1'), head(2, protectedBytes.length), protectedBytes, head(2, 0), head(2, body.length), body]);
  const alg = (decodeCbor(protectedBytes) as M).get(1);
  const hash = alg === -7 ? 'sha256' : alg === -35 ? 'sha384' : alg === -36 ? 'sha512' : null;
  return hash ? verify(hash, tbs, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature) : verify(null, tbs, publicKey, signature);
}

function msoOf(issuerAuth: unknown[]): M {
  const payload = decodeCbor(issuerAuth[2] as Uint8Array);
  expect(payload).toBeInstanceOf(EncodedCbor);
  return decodeCbor((payload as EncodedCbor).bytes) as M;
}

let iaca: SandboxCa;
let ds: SandboxCertificate;

beforeAll(async () => {
  ({ iaca, ds } = await sandboxIssuer());
});

describe('sandbox issuer: My Number Card', () => {
  it('issues every element as a tag-24 IssuerSignedItem whose digest is in the signed MSO', async () => {
    const nameSpaces = createMyNumberCardElements(undefined, AT);
    const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces, signer: ds, validity: MSO_VALIDITY });
    expect(nameSpaces[MNC_NS].age_over_20).toBe(true);
    expect(nameSpaces[MNC_NS].age_in_years).toBe(36);
    expect(nameSpaces[MNC_JP_NS].local_gov_code_unicode).toBe('131016');

    const mso = msoOf(mdoc.issuerAuth);
    expect(mso.get('version')).toBe('1.0');
    expect(mso.get('digestAlgorithm')).toBe('SHA-256');
    expect(mso.get('docType')).toBe(MNC_DOCTYPE);
    const vi = mso.get('validityInfo') as M;
    expect((vi.get('signed') as Date).toISOString()).toBe(MSO_VALIDITY.signed.toISOString());
    expect((vi.get('validUntil') as Date).toISOString()).toBe(MSO_VALIDITY.validUntil.toISOString());
    const digests = mso.get('valueDigests') as Map<string, Map<number, Uint8Array>>;
    expect([...digests.keys()].sort()).toEqual([MNC_NS, MNC_JP_NS]);

    for (const [ns, items] of mdoc.items) {
      expect(items.map((i) => i.elementIdentifier).sort()).toEqual(Object.keys(nameSpaces[ns]).sort());
      for (const item of items) {
        // The tagged bytes start with tag 24 (d8 18) and a byte string head.
        expect([...item.bytes.tagged.subarray(0, 2)]).toEqual([0xd8, 0x18]);
        const decoded = decodeCbor(item.bytes.tagged) as EncodedCbor;
        const isi = decodeCbor(decoded.bytes) as M;
        expect([...isi.keys()]).toEqual(['digestID', 'random', 'elementIdentifier', 'elementValue']);
        expect((isi.get('random') as Uint8Array).length).toBeGreaterThanOrEqual(16);
        expect(isi.get('digestID')).toBe(item.digestID);
        const expected = createHash('sha256').update(item.bytes.tagged).digest();
        expect(Buffer.from(digests.get(ns)!.get(item.digestID)!)).toEqual(expected);
      }
    }
    const birth = (decodeCbor(mdoc.items.get(MNC_NS)!.find((i) => i.elementIdentifier === 'birth_date')!.bytes.bytes) as M).get('elementValue');
    expect(birth).toBeInstanceOf(FullDate);
    expect(String(birth)).toBe('1990-04-01');
  });

  it('signs issuerAuth with the DS key and carries the DS in the unprotected x5chain', async () => {
    const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, AT), signer: ds, validity: MSO_VALIDITY });
    const [protectedBytes, unprotected] = mdoc.issuerAuth as [Uint8Array, M];
    expect((decodeCbor(protectedBytes) as M).get(1)).toBe(-7);
    expect(unprotected.get(33)).toEqual(ds.der);
    expect(verifySign1(mdoc.issuerAuth, ds.keys.publicKey)).toBe(true);
    // The device key in the MSO is the holder's public key, P-256 by default.
    const deviceKey = coseKeyToKeyObject((msoOf(mdoc.issuerAuth).get('deviceKeyInfo') as M).get('deviceKey'));
    expect(deviceKey.export({ format: 'jwk' })).toEqual(mdoc.devicePublicKey.export({ format: 'jwk' }));
    expect(deviceKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });
});

describe('sandbox issuer: keys and digest algorithms', () => {
  for (const curve of ['P-384', 'P-521', 'Ed25519'] as SandboxCurve[]) {
    it(`signs with a ${curve} DS, verified by node:crypto`, async () => {
      const { ds: signer } = await sandboxIssuer({ curve });
      const mdoc = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, AT), signer, validity: MSO_VALIDITY, deviceCurve: curve });
      expect(verifySign1(mdoc.issuerAuth, signer.keys.publicKey)).toBe(true);
      expect(mdoc.devicePublicKey.asymmetricKeyType).toBe(curve === 'Ed25519' ? 'ed25519' : 'ec');
    });
  }

  for (const [name, hash] of [
    ['SHA-384', 'sha384'],
    ['SHA-512', 'sha512'],
  ] as const) {
    it(`digests with ${name}`, async () => {
      const mdoc = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, AT), signer: ds, validity: MSO_VALIDITY, digestAlgorithm: name });
      const mso = msoOf(mdoc.issuerAuth);
      expect(mso.get('digestAlgorithm')).toBe(name);
      const item = mdoc.items.get('org.iso.18013.5.1')![0];
      const d = ((mso.get('valueDigests') as M).get('org.iso.18013.5.1') as M).get(item.digestID) as Uint8Array;
      expect(Buffer.from(d)).toEqual(createHash(hash).update(item.bytes.tagged).digest());
    });
  }

  it('writes keyAuthorizations and status into the MSO', async () => {
    const mdoc = await issueMdoc({
      docType: MDL_DOCTYPE,
      nameSpaces: createMdlElements(undefined, AT),
      signer: ds,
      validity: MSO_VALIDITY,
      keyAuthorizations: { nameSpaces: ['org.iso.wallet'], dataElements: { 'org.iso.18013.5.1': ['age_over_18'] } },
      status: new Map([
        [
          'status_list',
          new Map<string, unknown>([
            ['idx', 7],
            ['uri', 'https://sandbox.kakunin.invalid/sl'],
          ]),
        ],
      ]),
    });
    const mso = msoOf(mdoc.issuerAuth);
    const ka = (mso.get('deviceKeyInfo') as M).get('keyAuthorizations') as M;
    expect(ka.get('nameSpaces')).toEqual(['org.iso.wallet']);
    expect((ka.get('dataElements') as M).get('org.iso.18013.5.1')).toEqual(['age_over_18']);
    expect(((mso.get('status') as M).get('status_list') as M).get('idx')).toBe(7);
  });
});

describe('sandbox issuer: defects on purpose', () => {
  const nameSpaces = () => createMdlElements(undefined, AT);
  const target = { nameSpace: 'org.iso.18013.5.1', elementIdentifier: 'family_name' };

  function digestOk(mdoc: Awaited<ReturnType<typeof issueMdoc>>, id: string): boolean {
    const item = mdoc.items.get('org.iso.18013.5.1')!.find((i) => i.elementIdentifier === id)!;
    const d = ((msoOf(mdoc.issuerAuth).get('valueDigests') as M).get('org.iso.18013.5.1') as M).get(item.digestID) as Uint8Array | undefined;
    return d !== undefined && Buffer.from(d).equals(createHash('sha256').update(item.bytes.tagged).digest());
  }

  it('wrong digest, altered value, omitted digest: only the target element breaks', async () => {
    for (const defects of [{ wrongDigest: target }, { alterValueAfterSigning: { ...target, value: 'Mallory' } }, { omitDigest: target }]) {
      const mdoc = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: nameSpaces(), signer: ds, validity: MSO_VALIDITY, defects });
      expect(digestOk(mdoc, 'family_name')).toBe(false);
      expect(digestOk(mdoc, 'given_name')).toBe(true);
      expect(verifySign1(mdoc.issuerAuth, ds.keys.publicKey)).toBe(true);
    }
  });

  it('MSO docType, version and digestAlgorithm can be wrong while the signature stays valid', async () => {
    const mdoc = await issueMdoc({
      docType: MDL_DOCTYPE,
      nameSpaces: nameSpaces(),
      signer: ds,
      validity: MSO_VALIDITY,
      digestAlgorithm: 'MD5',
      defects: { msoDocType: MNC_DOCTYPE, msoVersion: '2.0' },
    });
    const mso = msoOf(mdoc.issuerAuth);
    expect(mso.get('docType')).toBe(MNC_DOCTYPE);
    expect(mso.get('version')).toBe('2.0');
    expect(mso.get('digestAlgorithm')).toBe('MD5');
    expect(verifySign1(mdoc.issuerAuth, ds.keys.publicKey)).toBe(true);
  });

  it('forged signature, foreign signing key, MSO altered after signing: the signature fails', async () => {
    const other = await createDocumentSigner(iaca);
    for (const defects of [{ forgeSignature: true }, { signWithKey: other.keys.privateKey }, { alterMsoAfterSigning: (m: Map<string, unknown>) => m.set('docType', 'x') }]) {
      const mdoc = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: nameSpaces(), signer: ds, validity: MSO_VALIDITY, defects });
      expect(verifySign1(mdoc.issuerAuth, ds.keys.publicKey)).toBe(false);
    }
  });

  it('leaves x5chain out on request', async () => {
    const mdoc = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: nameSpaces(), signer: ds, validity: MSO_VALIDITY, defects: { omitX5chain: true } });
    expect((mdoc.issuerAuth[1] as M).has(33)).toBe(false);
    expect(verifySign1(mdoc.issuerAuth, ds.keys.publicKey)).toBe(true);
  });
});
