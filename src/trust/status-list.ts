/**
 * mdoc status (ISO/IEC 18013-5 second edition, MSO `status`): either an IETF Token Status List
 * (draft-ietf-oauth-status-list, CWT form) or an ISO identifier list, both CWTs in a COSE_Sign1
 * signed by a key whose certificate (in the MSO `certificate` field or the token's x5chain) chains
 * to a trusted IACA.
 *
 * Status List Token claims: 2 sub (the list URI), 6 iat, 4 exp, 65534 ttl,
 *   65533 status_list {bits: 1|2|4|8, lst: zlib(DEFLATE) bytes}. Status 0 = valid, 1 = invalid,
 *   2 = suspended; entry i sits at bit i*bits, least significant bit first.
 * Identifier list claims: 2 sub, 6 iat, 4 exp, 65534 ttl, 65530 {identifiers: {* bstr => map}}:
 *   a document whose id is listed is revoked.
 */
import { inflate, inflateSync } from 'node:zlib';
import { decodeCbor } from '../cbor/decode.js';
import { KakuninError } from '../codes/error.js';
import { asBytes, asInt, asMap, asText, required } from '../cbor/read.js';
import { parseCoseSign1, verifyCoseSign1InSlices, x5chainOf } from '../cose/sign1.js';
import { TRUST_CLOCK_SKEW_SECONDS } from './clock-skew.js';
import { readIdentifierListClaims } from './identifier-list.js';
import { verifySignerPath, type SignerPath } from './revocation-path.js';

export const TYP_STATUS_LIST = 'application/statuslist+cwt';
export const TYP_IDENTIFIER_LIST = 'application/identifierlist+cwt';
export const CLAIM = { sub: 2, exp: 4, iat: 6, identifierList: 65530, statusList: 65533, ttl: 65534 } as const;
/** COSE header parameter `typ` (RFC 9596). */
const HEADER_TYP = 16;
export const MAX_LIST_BYTES = 10 * 1024 * 1024;
/** A decompressed list beyond this is refused (a zlib bomb costs nothing to send). */
export const MAX_LIST_INFLATED = 64 * 1024 * 1024;

const CODE = 'STATUS_LIST_MALFORMED';

export type MsoStatusReference = { kind: 'status_list'; uri: string; idx: number; certificate?: Uint8Array } | { kind: 'identifier_list'; uri: string; id: Uint8Array; certificate?: Uint8Array };

/** Reads the MSO `status` map. Throws STATUS_LIST_MALFORMED when neither form can be read. */
export function readMsoStatus(status: Map<unknown, unknown>): MsoStatusReference {
  const cert = (m: Map<unknown, unknown>) => (m.has('certificate') ? asBytes(m.get('certificate'), 'status certificate', CODE) : undefined);
  if (status.has('status_list')) {
    const m = asMap(status.get('status_list'), 'status.status_list', CODE);
    const idx = asInt(required(m, 'idx', 'status_list', CODE), 'status_list.idx', CODE);
    if (idx < 0) throw new KakuninError(CODE, 'status_list.idx is negative');
    return { kind: 'status_list', uri: asText(required(m, 'uri', 'status_list', CODE), 'status_list.uri', CODE), idx, certificate: cert(m) };
  }
  if (status.has('identifier_list')) {
    const m = asMap(status.get('identifier_list'), 'status.identifier_list', CODE);
    return {
      kind: 'identifier_list',
      uri: asText(required(m, 'uri', 'identifier_list', CODE), 'identifier_list.uri', CODE),
      id: asBytes(required(m, 'id', 'identifier_list', CODE), 'identifier_list.id', CODE),
      certificate: cert(m),
    };
  }
  throw new KakuninError(CODE, 'MSO status has neither status_list nor identifier_list');
}

export interface StatusListBase {
  sub: string;
  iat: Date;
  exp?: Date;
  ttlSeconds?: number;
  signerPath: SignerPath;
}

export interface StatusList extends StatusListBase {
  kind: 'status_list';
  bits: 1 | 2 | 4 | 8;
  /** Decompressed list. */
  lst: Uint8Array;
}

export interface IdentifierList extends StatusListBase {
  kind: 'identifier_list';
  /** Listed identifiers, hex. */
  identifiers: Set<string>;
  /** The identifiers' lengths added up, in bytes (what their hex holds: the list's size in memory). */
  identifierBytes: number;
}

export type VerifiedList = StatusList | IdentifierList;

export interface VerifyListOptions {
  /** DER certificates of trusted IACAs (a list signer chains to one of them). */
  anchors: Uint8Array[];
  at: Date;
  /** The URI the list was fetched from: `sub` must equal it (a list for another URI is a swap). */
  uri: string;
  /** The `certificate` the MSO names, when it names one: it must be the signer. */
  certificate?: Uint8Array;
  clockSkewSeconds?: number;
}

function date(v: unknown, what: string): Date {
  const n = asInt(v, what, CODE);
  return new Date(n * 1000);
}

/** What the list reader asks of its driver: to inflate `lst` (sync or on the thread pool). */
interface InflateRequest {
  inflate: Uint8Array;
}

/**
 * Verifies a list a step at a time: it yields nothing between slices of the signature's hashing and
 * of a large identifier list (the driver may let other work run) and an InflateRequest for a status list's `lst`, whose answer
 * is the inflated bytes. verifyStatusListToken drains it at once, verifyStatusListTokenAsync pauses.
 */
function* listReader(bytes: Uint8Array, options: VerifyListOptions): Generator<InflateRequest | undefined, VerifiedList, Uint8Array | undefined> {
  if (bytes.length > MAX_LIST_BYTES) throw new KakuninError(CODE, `list larger than ${MAX_LIST_BYTES} bytes`);
  let sign1;
  let claims: Map<unknown, unknown>;
  let identifiers: Set<string> | undefined;
  let identifierBytes = 0;
  let chain: Uint8Array[];
  try {
    sign1 = parseCoseSign1(decodeCbor(bytes));
    if (sign1.payload === null) throw new KakuninError(CODE, 'no payload');
    if (sign1.protectedHeaders.get(HEADER_TYP) === TYP_IDENTIFIER_LIST) ({ claims, identifiers, identifierBytes } = yield* readIdentifierListClaims(sign1.payload));
    else claims = asMap(decodeCbor(sign1.payload), 'CWT claims', CODE);
    chain = x5chainOf(sign1, CODE);
  } catch (e) {
    if (e instanceof KakuninError && e.code.startsWith('STATUS_LIST_')) throw e;
    throw new KakuninError(CODE, (e as Error).message);
  }
  const typ = sign1.protectedHeaders.get(HEADER_TYP);
  if (typ !== TYP_STATUS_LIST && typ !== TYP_IDENTIFIER_LIST) throw new KakuninError(CODE, `unexpected typ ${String(typ)}`);
  if (options.certificate) {
    if (chain.length > 0 && !Buffer.from(chain[0]).equals(Buffer.from(options.certificate))) {
      throw new KakuninError('STATUS_LIST_UNTRUSTED', 'list signer is not the certificate the MSO names');
    }
    if (chain.length === 0) chain = [options.certificate];
  }
  const signerPath = verifySignerPath(chain, options.anchors, options.at, { kind: 'STATUS_LIST' });
  let ok: boolean;
  try {
    // In slices: a list may be 10 MB, and hashing it whole held the event loop ~20 ms.
    ok = yield* verifyCoseSign1InSlices(sign1, signerPath.signer.publicKey);
  } catch (e) {
    throw new KakuninError('STATUS_LIST_SIGNATURE_INVALID', (e as Error).message);
  }
  if (!ok) throw new KakuninError('STATUS_LIST_SIGNATURE_INVALID', 'list signature does not verify');

  const sub = asText(required(claims, CLAIM.sub, 'CWT', CODE), 'sub', CODE);
  if (sub !== options.uri) throw new KakuninError('STATUS_LIST_UNTRUSTED', 'list sub does not match the URI it was fetched for');
  const iat = date(required(claims, CLAIM.iat, 'CWT', CODE), 'iat');
  const exp = claims.has(CLAIM.exp) ? date(claims.get(CLAIM.exp), 'exp') : undefined;
  const ttlSeconds = claims.has(CLAIM.ttl) ? asInt(claims.get(CLAIM.ttl), 'ttl', CODE) : undefined;
  const skew = (options.clockSkewSeconds ?? TRUST_CLOCK_SKEW_SECONDS) * 1000;
  if (iat.getTime() > options.at.getTime() + skew) throw new KakuninError('STATUS_LIST_EXPIRED', `list issued in the future (${iat.toISOString()})`);
  if (exp && exp.getTime() < options.at.getTime()) throw new KakuninError('STATUS_LIST_EXPIRED', `list expired ${exp.toISOString()}`);
  const base = { sub, iat, exp, ttlSeconds, signerPath };

  if (typ === TYP_STATUS_LIST) {
    const sl = asMap(required(claims, CLAIM.statusList, 'CWT', CODE), 'status_list', CODE);
    const bits = asInt(required(sl, 'bits', 'status_list', CODE), 'bits', CODE);
    if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8) throw new KakuninError(CODE, `bits must be 1, 2, 4 or 8, not ${bits}`);
    const lst = yield { inflate: asBytes(required(sl, 'lst', 'status_list', CODE), 'lst', CODE) };
    return { kind: 'status_list', ...base, bits, lst: lst! };
  }
  const il = asMap(required(claims, CLAIM.identifierList, 'CWT', CODE), 'identifier_list', CODE);
  asMap(required(il, 'identifiers', 'identifier_list', CODE), 'identifiers', CODE);
  return { kind: 'identifier_list', ...base, identifiers: identifiers!, identifierBytes };
}

const inflateError = () => new KakuninError(CODE, `lst is not zlib data within ${MAX_LIST_INFLATED} bytes`);

/**
 * Verifies a Status List Token or identifier list CWT. Throws STATUS_LIST_MALFORMED,
 * STATUS_LIST_SIGNATURE_INVALID, STATUS_LIST_UNTRUSTED or STATUS_LIST_EXPIRED.
 */
export function verifyStatusListToken(bytes: Uint8Array, options: VerifyListOptions): VerifiedList {
  const reader = listReader(bytes, options);
  let r = reader.next();
  while (!r.done) r = reader.next(r.value ? inflateNow(r.value.inflate) : undefined);
  return r.value;
}

function inflateNow(compressed: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(inflateSync(compressed, { maxOutputLength: MAX_LIST_INFLATED }));
  } catch {
    throw inflateError();
  }
}

function inflateOnThreadPool(compressed: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    inflate(compressed, { maxOutputLength: MAX_LIST_INFLATED }, (err, out) => (err ? reject(inflateError()) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.length)))),
  );
}

/**
 * verifyStatusListToken for a process that serves requests while it loads: `lst` is inflated on
 * libuv's thread pool (up to 64 MB of output: a synchronous inflate of that held the event loop for
 * hundreds of milliseconds), and the signature's hashing and an identifier list go in slices with
 * `pause` called between them (runtime's eventLoopPause yields once ~5 ms of work have passed). The same checks and errors.
 */
export async function verifyStatusListTokenAsync(bytes: Uint8Array, options: VerifyListOptions & { pause: () => Promise<void> }): Promise<VerifiedList> {
  const reader = listReader(bytes, options);
  let r = reader.next();
  while (!r.done) {
    const inflated = r.value ? await inflateOnThreadPool(r.value.inflate) : undefined;
    await options.pause();
    r = reader.next(inflated);
  }
  return r.value;
}

/** The status value at `idx`, or undefined when the list is shorter than that. */
export function statusAt(list: StatusList, idx: number): number | undefined {
  const bitIndex = idx * list.bits;
  const byte = Math.floor(bitIndex / 8);
  if (byte >= list.lst.length) return undefined;
  return (list.lst[byte] >> (bitIndex % 8)) & ((1 << list.bits) - 1);
}
