/**
 * `kakunin reader` end to end: a QR pasted on stdin, the session with the sandbox wallet over the
 * loopback transport, the minimal printed answer and the POST to a service; and what it says on a
 * machine without NFC or BLE.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReader } from '../../src/cli/reader.js';
import { createLoopbackPair } from '../../src/protocols/proximity/index.js';
import { createDocumentSigner, createIaca, issueMdoc, MDL_DOCTYPE, MNC_DOCTYPE, createMyNumberCardElements, SAMPLE_MNC_PERSON } from '../../src/sandbox/index.js';
import { SandboxProximityHolder } from '../../src/sandbox/holder-proximity.js';
import { SandboxNfcCard } from '../../src/sandbox/holder-proximity-nfc.js';
import type { IssuedMdoc } from '../../src/sandbox/issuer.js';

const AT = new Date('2026-06-01T00:00:00Z');
const ABSENT = ['@kakunin-test/no-such-library'];

let trustFile: string;
let mnc: IssuedMdoc;
let minor: IssuedMdoc;

beforeAll(async () => {
  const iaca = await createIaca({ notBefore: new Date('2026-01-01T00:00:00Z') });
  const ds = await createDocumentSigner(iaca);
  const validity = { signed: new Date('2026-05-01T00:00:00Z'), validFrom: new Date('2026-05-01T00:00:00Z'), validUntil: new Date('2027-05-01T00:00:00Z') };
  mnc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, AT), signer: ds, validity });
  minor = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements({ ...SAMPLE_MNC_PERSON, birthDate: '2010-01-01' }, AT), signer: ds, validity });
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-reader-'));
  trustFile = join(dir, 'sandbox-iaca.pem');
  writeFileSync(trustFile, iaca.pem);
  // The sandbox IACA stands in for J-LIS: its side file lists the My Number Card.
  writeFileSync(join(dir, 'sandbox-iaca.json'), JSON.stringify({ docTypes: [MNC_DOCTYPE, MDL_DOCTYPE] }));
});

function io(stdin?: PassThrough) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), stdin } };
}

describe('kakunin reader over loopback with the sandbox wallet', () => {
  let server: Server;
  let posted: string[] = [];
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posted.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/reader-results`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function run(holder: SandboxProximityHolder, extra: string[] = [], input?: string[]) {
    posted = [];
    const stdin = new PassThrough();
    const t = io(stdin);
    const served: Promise<unknown>[] = [];
    const code = runReader(['--purpose', 'age_over', '--no-nfc', '--timeout', '2', '--trust', trustFile, ...extra], t.io, {
      now: () => AT,
      openTransport: async () => {
        const { reader, mdoc } = createLoopbackPair();
        served.push(holder.serve(mdoc, 2000));
        return reader;
      },
    });
    for (const line of input ?? [holder.qrEngagement()]) stdin.write(`${line}\n`);
    const exit = await code;
    await Promise.all(served);
    return { exit, ...t };
  }

  it('prints "20 or over: yes" and nothing personal, posts the decision, exits 0', async () => {
    const r = await run(new SandboxProximityHolder({ documents: [mnc], deviceAuth: 'mac' }), ['--post', url]);
    expect(r.exit).toBe(0);
    expect(r.out).toEqual(['20歳以上 / 20 or over: yes']);
    expect(posted).toHaveLength(1);
    const body = JSON.parse(posted[0]);
    expect(body.decision).toMatchObject({ purpose: 'age_over', outcome: 'verified', value: { kind: 'age_over', threshold: 20, over: true } });
    expect(posted[0]).not.toMatch(/1990|花子|birth/);
  });

  it('a 16-year-old: "no", still exit 0 (verified answer)', async () => {
    const r = await run(new SandboxProximityHolder({ documents: [minor] }));
    expect(r.out).toEqual(['20歳以上 / 20 or over: no']);
    expect(r.exit).toBe(0);
  });

  it('a misread scan is reported and the next scan is used', async () => {
    const holder = new SandboxProximityHolder({ documents: [mnc] });
    const r = await run(holder, [], ['mdoc:!!!', holder.qrEngagement()]);
    expect(r.exit).toBe(0);
    expect(r.err.join('\n')).toContain('not an mdoc QR code');
  });

  it('an untrusted issuer: not verified, exit 1', async () => {
    const other = await createIaca({ commonName: 'someone else' });
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-reader-'));
    writeFileSync(join(dir, 'other.pem'), other.pem);
    const holder = new SandboxProximityHolder({ documents: [mnc] });
    posted = [];
    const stdin = new PassThrough();
    const t = io(stdin);
    const code = runReader(['--no-nfc', '--timeout', '2', '--trust', join(dir, 'other.pem')], t.io, {
      now: () => AT,
      openTransport: async () => {
        const { reader, mdoc } = createLoopbackPair();
        void holder.serve(mdoc, 2000);
        return reader;
      },
    });
    stdin.write(`${holder.qrEngagement()}\n`);
    expect(await code).toBe(1);
    expect(t.out[0]).toMatch(/^20 or over: not verified \(.*ISSUER_CERT_UNTRUSTED/);
  });

  it('the wallet stops answering: SESSION_TIMEOUT, exit 1', async () => {
    const r = await run(new SandboxProximityHolder({ documents: [mnc], defects: { silent: true } }), ['--timeout', '0.3']);
    expect(r.exit).toBe(1);
    expect(r.err.join('\n')).toContain('SESSION_TIMEOUT');
  });
});

describe('kakunin reader on a machine without NFC or BLE', () => {
  it('NFC only: says which package and service to install, exit 2', async () => {
    const t = io();
    const exit = await runReader(['--no-qr', '--timeout', '1', '--trust', trustFile], t.io, { pcscModules: ABSENT });
    expect(exit).toBe(2);
    expect(t.err.join('\n')).toMatch(/TRANSPORT_UNAVAILABLE: .*npm install @pokusew\/pcsclite.*pcscd/);
  });

  it('QR read, BLE offered, no BLE library: says what to install, exit 2', async () => {
    const stdin = new PassThrough();
    const t = io(stdin);
    const holder = new SandboxProximityHolder({ documents: [mnc] });
    const code = runReader(['--timeout', '1', '--trust', trustFile], t.io, { pcscModules: ABSENT, bleModules: ABSENT });
    stdin.write(`${holder.qrEngagement()}\n`);
    expect(await code).toBe(2);
    const err = t.err.join('\n');
    expect(err).toContain('npm install @pokusew/pcsclite'); // NFC noted once, QR path carried on
    expect(err).toMatch(/TRANSPORT_UNAVAILABLE: .*npm install @stoprocent\/bleno/);
  });

  it('nobody comes: SESSION_TIMEOUT after --timeout, exit 1', async () => {
    const t = io(new PassThrough());
    const started = Date.now();
    const exit = await runReader(['--no-nfc', '--timeout', '0.2', '--trust', trustFile], t.io);
    expect(exit).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(t.err.join('\n')).toContain('SESSION_TIMEOUT');
  });

  it('NFC engagement from a tag, data over NFC through the same card', async () => {
    const holder = new SandboxProximityHolder({ documents: [mnc], retrievalMethods: [{ type: 'nfc', maxCommandDataLength: 255, maxResponseDataLength: 256 }] });
    const card = new SandboxNfcCard(holder, { negotiated: true });
    const { readTagEngagement, parseNfcEngagement } = await import('../../src/protocols/proximity/index.js');
    const { READER_HANDOVER_REQUEST_METHODS } = await import('../../src/cli/reader-engagement.js');
    const { openEngagementTransport } = await import('../../src/cli/reader.js');
    const { buildHandoverRequest } = await import('../../src/protocols/proximity/index.js');
    const hr = buildHandoverRequest(READER_HANDOVER_REQUEST_METHODS);
    const tag = await readTagEngagement(card, hr);
    let released = false;
    const transport = await openEngagementTransport(
      { engagement: parseNfcEngagement(tag.handoverSelect, tag.handoverRequest), source: 'nfc', card: { channel: card, readerName: 'sandbox', release: async () => void (released = true) } },
      1000,
    );
    expect(transport.name).toBe('nfc');
    await transport.close();
    expect(released).toBe(true);
  });

  it('usage errors exit 2', async () => {
    const t = io();
    expect(await runReader(['--purpose', 'nope', '--trust', trustFile], t.io)).toBe(2);
    expect(t.err[0]).toContain('unknown purpose "nope"');
    expect(await runReader(['--timeout', '-1', '--trust', trustFile], t.io)).toBe(2);
  });
});
