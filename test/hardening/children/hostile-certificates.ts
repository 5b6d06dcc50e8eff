/**
 * Child process of hostile-certificates.test.ts (run with --expose-gc): verifies 2,000 answers whose
 * x5chain holds a different hostile certificate each (15 KB, just under the size limit, and one over
 * it every tenth answer), then prints the heap and RSS growth as JSON. Separate process so that the
 * figures are this workload's alone.
 */
import { encodeCbor } from '../../../src/cbor/encode.js';
import { verifyDeviceResponse } from '../../../src/mdoc/verify.js';
import { createDeviceResponse, createDocumentSigner, createIaca, issueMdoc, MNC_DOCTYPE, createMyNumberCardElements } from '../../../src/sandbox/index.js';
import { cachedPathCount } from '../../../src/trust/chain.js';
import { TrustStore } from '../../../src/trust/store.js';

const ANSWERS = Number(process.argv[2] ?? 2000);
const at = new Date('2026-06-01T00:00:00Z');
const transcript = encodeCbor([null, null, ['hostile', 'certificates']]);
const gc = (globalThis as { gc?: () => void }).gc!;

const trusted = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
const trust = TrustStore.fromCertificates([trusted.der], { set: 'sandbox' });
const stranger = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
const big = await createDocumentSigner(stranger, { quirks: { paddingExtensionBytes: 15_000 } });
const huge = await createDocumentSigner(stranger, { quirks: { paddingExtensionBytes: 480_000 } });
const validity = { signed: at, validFrom: at, validUntil: new Date('2026-12-01') };
const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, at), signer: big, validity });
const template = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
const hugeMdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, at), signer: huge, validity });
const hugeAnswer = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc: hugeMdoc, deviceAuth: { kind: 'signature' } }] });
// Where the padding sits in the answer: each answer changes 8 of its bytes, so every certificate differs.
const offset = Buffer.from(template).indexOf(Buffer.alloc(64));
if (offset < 0) throw new Error('padding not found');

function answer(i: number): Uint8Array {
  const bytes = new Uint8Array(template);
  new DataView(bytes.buffer).setFloat64(offset + 8, i);
  return bytes;
}

const codes = new Set<string>();
const warm = () => {
  for (let i = 0; i < 50; i++) verifyDeviceResponse(answer(1e6 + i), { trust, at, sessionTranscript: transcript });
};
warm();
gc();
const before = process.memoryUsage();
for (let i = 0; i < ANSWERS; i++) {
  const r = verifyDeviceResponse(i % 10 === 9 ? hugeAnswer : answer(i), { trust, at, sessionTranscript: transcript });
  for (const e of r.errors) codes.add(e.code);
}
gc();
const after = process.memoryUsage();
console.log(JSON.stringify({ answers: ANSWERS, heapGrowth: after.heapUsed - before.heapUsed, rssGrowth: after.rss - before.rss, chains: cachedPathCount(trust), codes: [...codes].sort() }));
