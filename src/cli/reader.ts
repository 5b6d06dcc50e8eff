/**
 * `kakunin reader --purpose age_over`: the counter PC's in-person reader. It waits for the phone
 * (QR from a USB scanner or pasted, or an NFC tap), runs the ISO 18013-5 session over the transport
 * the phone offers, verifies, and prints only the purpose's minimal answer ("20 or over: yes").
 * Exit: 0 verified, 1 not verified or the session failed, 2 usage error or missing hardware/library.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { reduceToDecision, type Decision, type Purpose } from '../policy/index.js';
import { loadPurposes } from '../runtime/purposes-file.js';
import { anyOneOf, NfcSessionTransport, ProximityError, readMdoc, type ItemsRequest, type ReaderIdentity, type SessionTransport } from '../protocols/proximity/index.js';
import { openBleCentralClient } from '../runtime/proximity/ble-central-client.js';
import { openBlePeripheralServer } from '../runtime/proximity/ble-peripheral-server.js';
import type { TrustStore } from '../trust/store.js';
import { UsageError } from './input.js';
import { waitForEngagement, type WaitedEngagement } from './reader-engagement.js';
import { loadTrust, type CliIo } from './options.js';

export const READER_USAGE = `Usage: kakunin reader --purpose NAME [options]

Waits for a phone at the counter: an mdoc: QR code typed by a USB scanner or pasted on stdin,
or an NFC tap on a PC/SC reader. Runs the ISO 18013-5 session and prints the minimal answer.
  --purpose NAME        age_over (default), residency, kyc, or one from --purposes
  --purposes FILE       purposes config (JSON)
  --no-nfc              do not use a PC/SC NFC reader
  --no-qr               do not read QR codes from stdin
  --timeout SECONDS     give up waiting for the phone, and for each answer (default 60)
  --reader-key FILE     PKCS8 PEM private key for readerAuth (Apple Wallet requires readerAuth)
  --reader-cert FILE    PEM/DER reader certificate (chain: repeat, leaf first)
  --trust PATH          trust anchors (default: the shipped certs/); repeatable
  --test-roots          also accept the test and sandbox sets
  --post URL            POST the decision (JSON) to a kakunin service; age_over and residency
                        carry only yes/no, kyc carries the verified attributes (use https)
  --post-token TOKEN    bearer token for --post
  --json                print the decision as JSON
Exit: 0 verified, 1 not verified or the session failed, 2 usage error or missing hardware/library.`;

export interface ReaderIo extends CliIo {
  stdin?: Readable;
}

/** Seams for tests; the defaults talk to real radios. */
export interface ReaderDeps {
  openTransport?(waited: WaitedEngagement, timeoutMs: number): Promise<SessionTransport>;
  pcscModules?: string[];
  bleModules?: string[];
  now?(): Date;
}

/** The DeviceRequest for a purpose: one docRequest per accepted docType, each with the purpose's
 * minimal claim set (an ISO DeviceRequest has no alternatives, so the first set). */
export function purposeItemsRequests(purpose: Purpose): ItemsRequest[] {
  return purpose.documents.map((d) => {
    const nameSpaces: Record<string, Record<string, boolean>> = {};
    for (const e of d.claimSets[0] ?? []) (nameSpaces[e.nameSpace] ??= {})[e.elementIdentifier] = e.intentToRetain;
    return { docType: d.docType, nameSpaces };
  });
}

/** Picks and opens a transport the engagement offers, in the order phones prefer. */
export async function openEngagementTransport(waited: WaitedEngagement, timeoutMs: number, bleModules?: string[]): Promise<SessionTransport> {
  const methods = waited.engagement.retrievalMethods;
  if (waited.card && methods.some((m) => m.type === 'nfc')) {
    const card = waited.card;
    return new NfcSessionTransport(card.channel, { onClose: () => card.release() });
  }
  await waited.card?.release();
  const ble = methods.find((m) => m.type === 'ble');
  if (ble?.type === 'ble' && ble.centralClientMode) {
    return openBleCentralClient(waited.engagement.deviceEngagement, ble, { connectTimeoutMs: timeoutMs, modules: bleModules });
  }
  if (ble?.type === 'ble' && ble.peripheralServerMode) return openBlePeripheralServer(ble, { connectTimeoutMs: timeoutMs, modules: bleModules });
  const offered = methods.map((m) => m.type).join(', ') || 'none';
  throw new ProximityError('ENGAGEMENT_NO_TRANSPORT', `the phone offers no transport this reader speaks (offered: ${offered}; supported: BLE, NFC)`);
}

function readIdentity(keyPath: string | undefined, certPaths: string[] | undefined): ReaderIdentity | undefined {
  if (!keyPath && !certPaths?.length) return undefined;
  if (!keyPath || !certPaths?.length) throw new UsageError('--reader-key and --reader-cert go together');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(keyPath));
  } catch (e) {
    throw new UsageError(`--reader-key: ${(e as Error).message}`);
  }
  const x5chain = certPaths.map((p) => {
    try {
      return new Uint8Array(new X509Certificate(readFileSync(p)).raw);
    } catch (e) {
      throw new UsageError(`--reader-cert ${p}: ${(e as Error).message}`);
    }
  });
  return { privateKey, x5chain };
}

export function decisionText(purpose: Purpose, decision: Decision): string {
  if (decision.outcome !== 'verified' || !decision.value) return `${purpose.label.en}: not verified (${decision.failureCodes.join(', ')})`;
  const v = decision.value;
  switch (v.kind) {
    case 'age_over':
      return `${purpose.label.ja} / ${purpose.label.en}: ${v.over ? 'yes' : 'no'}`;
    case 'residency':
      return `${purpose.label.ja} / ${purpose.label.en}: ${v.resident ? 'yes' : 'no'}`;
    case 'attributes':
      return `${purpose.label.en}: verified (${Object.keys(v.attributes).length} attributes; use --json to see them)`;
    case 'account_match':
      return `${purpose.label.ja} / ${purpose.label.en}: ${v.match ? 'yes' : 'no'}`;
  }
}

async function post(url: string, token: string | undefined, decision: Decision, io: CliIo): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ source: 'kakunin-reader', decision }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) {
      io.err(`post: ${url} answered ${res.status}`);
      return false;
    }
    return true;
  } catch (e) {
    io.err(`post: ${url}: ${(e as Error).message}`);
    return false;
  }
}

type ReaderArgs = Record<string, string | string[] | boolean | undefined>;

const READER_OPTIONS = {
  purpose: { type: 'string' },
  purposes: { type: 'string' },
  'no-nfc': { type: 'boolean' },
  'no-qr': { type: 'boolean' },
  timeout: { type: 'string' },
  'reader-key': { type: 'string' },
  'reader-cert': { type: 'string', multiple: true },
  trust: { type: 'string', multiple: true },
  'test-roots': { type: 'boolean' },
  post: { type: 'string' },
  'post-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What a reading needs, from the flags. */
interface ReaderSetup {
  purpose: Purpose;
  trust: TrustStore;
  reader?: ReaderIdentity;
  timeoutMs: number;
}

/** Throws UsageError naming the flag that is wrong. */
function readerSetup(v: ReaderArgs, io: ReaderIo): ReaderSetup {
  const name = (v.purpose as string | undefined) ?? 'age_over';
  const purposes = loadPurposes(v.purposes as string | undefined);
  const purpose = purposes.get(name);
  if (!purpose) throw new UsageError(`--purpose: unknown purpose "${name}" (known: ${[...purposes.keys()].join(', ')})`);
  const seconds = v.timeout === undefined ? 60 : Number(v.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout: not a positive number of seconds: ${String(v.timeout)}`);
  const trust = loadTrust(v.trust as string[] | undefined, !!v['test-roots'], io);
  const reader = readIdentity(v['reader-key'] as string | undefined, v['reader-cert'] as string[] | undefined);
  if (v.post !== undefined && !/^https?:\/\//.test(v.post as string)) throw new UsageError(`--post: not an http(s) URL: ${String(v.post)}`);
  return { purpose, trust, ...(reader ? { reader } : {}), timeoutMs: Math.round(seconds * 1000) };
}

export async function runReader(argv: string[], io: ReaderIo, deps: ReaderDeps = {}): Promise<number> {
  let v: ReaderArgs;
  try {
    v = parseArgs({ args: argv, strict: true, options: READER_OPTIONS }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${READER_USAGE}`);
    return 2;
  }
  if (v.help) {
    io.out(READER_USAGE);
    return 0;
  }
  let setup: ReaderSetup;
  try {
    setup = readerSetup(v, io);
  } catch (e) {
    io.err(`kakunin reader: ${(e as Error).message}`);
    return 2;
  }
  if (!setup.reader) io.err('note: no --reader-key/--reader-cert: the request goes without readerAuth (Apple Wallet will refuse it)');
  const ways = [!v['no-qr'] ? 'scan or paste an mdoc: QR code' : '', !v['no-nfc'] ? 'tap the phone on the NFC reader' : ''].filter(Boolean).join(', or ');
  io.err(`waiting for a phone: ${ways} (timeout ${setup.timeoutMs / 1000} s)`);
  try {
    const decision = await readOnce(setup, v, io, deps);
    io.out(v.json ? JSON.stringify(decision) : decisionText(setup.purpose, decision));
    if (v.post !== undefined) await post(v.post as string, v['post-token'] as string | undefined, decision, io);
    return decision.outcome === 'verified' ? 0 : 1;
  } catch (e) {
    if (e instanceof ProximityError) {
      io.err(`kakunin reader: ${e.code}: ${e.message}`);
      return e.code === 'TRANSPORT_UNAVAILABLE' ? 2 : 1;
    }
    throw e;
  }
}

/** One phone: wait for its engagement, open the transport it offers, read, verify, decide; then let go of the transport and the card. */
async function readOnce(setup: ReaderSetup, v: ReaderArgs, io: ReaderIo, deps: ReaderDeps): Promise<Decision> {
  let waited: WaitedEngagement | undefined;
  let transport: SessionTransport | undefined;
  try {
    waited = await waitForEngagement({
      stdin: !v['no-qr'] ? (io.stdin ?? process.stdin) : undefined,
      nfc: !v['no-nfc'],
      timeoutMs: setup.timeoutMs,
      pcscModules: deps.pcscModules,
      notice: (m) => io.err(`note: ${m}`),
    });
    io.err(`engagement by ${waited.source}; offered: ${waited.engagement.retrievalMethods.map((m) => m.type).join(', ') || 'none'}`);
    transport = deps.openTransport ? await deps.openTransport(waited, setup.timeoutMs) : await openEngagementTransport(waited, setup.timeoutMs, deps.bleModules);
    const at = deps.now?.() ?? new Date();
    const { result } = await readMdoc({
      engagement: waited.engagement,
      transport,
      reader: setup.reader,
      timeoutMs: setup.timeoutMs,
      requests: purposeItemsRequests(setup.purpose),
      // A purpose's documents are alternatives: a second-edition mdoc is told any one will do.
      deviceRequestInfo: anyOneOf(setup.purpose.documents.length),
      verify: { trust: setup.trust, at },
    });
    return reduceToDecision(setup.purpose, result, at);
  } finally {
    await transport?.close().catch(() => undefined);
    await waited?.card?.release().catch(() => undefined);
  }
}
