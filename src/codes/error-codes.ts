/**
 * Every error code kakunin reports, one union per layer, composed into KakuninCode. They live at the
 * bottom of the layers, next to the verification failure codes, so that a throw anywhere names a code
 * the compiler knows and one table (http-status.ts) can say what each means on the wire. Codes may be
 * added, never renamed: programs branch on them.
 */
import type { FailureCode } from './failure-codes.js';

/** COSE_Sign1 / COSE_Mac0 and COSE_Key that cannot be checked at all (not: a signature that fails). */
export type CoseCode = 'COSE_INVALID' | 'COSE_KEY_INVALID';

/** Signed lists and trust material: VICALs, CRLs, status lists, trust folders, fetching them. */
export type TrustCode =
  | 'TRUST_STORE_INVALID'
  | 'VICAL_MALFORMED'
  | 'VICAL_UNTRUSTED'
  | 'VICAL_EXPIRED'
  | 'VICAL_SIGNATURE_INVALID'
  | 'CRL_MALFORMED'
  | 'CRL_UNTRUSTED'
  | 'CRL_EXPIRED'
  | 'CRL_SIGNATURE_INVALID'
  | 'CRL_UNSUPPORTED'
  | 'STATUS_LIST_MALFORMED'
  | 'STATUS_LIST_UNTRUSTED'
  | 'STATUS_LIST_EXPIRED'
  | 'STATUS_LIST_SIGNATURE_INVALID'
  /** More revocation lists, or more bytes held by their copies, than the configured bounds. */
  | 'REVOCATION_LISTS_FULL'
  /** A list's address resolves to a private, loopback or otherwise refused address. */
  | 'FETCH_BLOCKED'
  | 'FETCH_FAILED';

/** The kinds of signed list whose signer chain revocation-path.ts checks, with their codes. */
export const SIGNED_LIST_CODES = {
  VICAL: { malformed: 'VICAL_MALFORMED', untrusted: 'VICAL_UNTRUSTED', expired: 'VICAL_EXPIRED' },
  CRL: { malformed: 'CRL_MALFORMED', untrusted: 'CRL_UNTRUSTED', expired: 'CRL_EXPIRED' },
  STATUS_LIST: { malformed: 'STATUS_LIST_MALFORMED', untrusted: 'STATUS_LIST_UNTRUSTED', expired: 'STATUS_LIST_EXPIRED' },
} as const satisfies Record<string, Record<'malformed' | 'untrusted' | 'expired', TrustCode>>;
export type SignedListKind = keyof typeof SIGNED_LIST_CODES;

/** The envelope around a DeviceResponse (the DeviceResponse itself is judged with FailureCode). */
export type ProtocolFailureCode =
  /** HPKE or JWE could not be opened: wrong key, wrong transcript (info), tampered ciphertext. */
  | 'RESPONSE_DECRYPTION_FAILED'
  /** The response envelope is not what the protocol defines (bad JSON, bad base64url, bad structure). */
  | 'RESPONSE_MALFORMED'
  /** The request state (nonce) is unknown, was already used, or has expired. */
  | 'NONCE_REPLAYED'
  | 'REQUEST_EXPIRED'
  /** The response names a protocol this request did not offer. */
  | 'PROTOCOL_UNSUPPORTED'
  /** The response is labelled with one protocol the request offered and answers another (relabelled). */
  | 'PROTOCOL_MISMATCH'
  /** The response is larger than the configured limit. */
  | 'RESPONSE_TOO_LARGE'
  /** The JWE header does not match the key, alg or enc the request offered. */
  | 'RESPONSE_ENCRYPTION_MISMATCH'
  /** The wallet answered with an OpenID4VP error object. */
  | 'WALLET_ERROR'
  /** A SessionTranscript given to us is not the structure its protocol defines. */
  | 'TRANSCRIPT_INVALID'
  /** A key given to us (reader key, request key) is not one the protocol can use. */
  | 'KEY_INVALID'
  /** Bad parameters given to us (CLI flags, key files). */
  | 'INVALID_ARGUMENT'
  /** The request was made under another verifier certificate than this instance has (instances
   * sharing a store must share KAKUNIN_VERIFIER_CERT_FILE): it cannot be signed here. */
  | 'VERIFIER_IDENTITY_MISMATCH'
  /** A request state was stored under an id that already holds another one. Ids are 144 random bits,
   * so this is a defect or a store someone else writes to, never a wallet's doing. */
  | 'REQUEST_STATE_COLLISION';

/** The in-person flow (ISO 18013-5 device engagement, session encryption, transports). */
export type ProximityErrorCode =
  /** The QR text, the NFC NDEF message or the DeviceEngagement is not what ISO 18013-5 §8.2 defines. */
  | 'ENGAGEMENT_INVALID'
  /** The engagement offers no transport this reader can use. */
  | 'ENGAGEMENT_NO_TRANSPORT'
  /** A session message could not be decrypted or was out of sequence (status 10 on the wire). */
  | 'SESSION_ENCRYPTION'
  /** A session message was not the CBOR structure §9.1.1.4 defines (status 11 on the wire). */
  | 'SESSION_MESSAGE_INVALID'
  /** The other side ended the session (status 20, or 10/11 from the wallet). */
  | 'SESSION_TERMINATED'
  /** The other side stopped answering. */
  | 'SESSION_TIMEOUT'
  /** The transport broke (disconnect, APDU error). */
  | 'TRANSPORT_FAILED'
  /** The hardware or the optional library a transport needs is missing. */
  | 'TRANSPORT_UNAVAILABLE'
  /** readerAuth did not verify (wallet side). */
  | 'READER_AUTH_INVALID';

/** What a purpose decides, on top of the verification failure codes. */
export type PolicyFailureCode =
  | FailureCode
  /** No document of a type the purpose accepts was presented. */
  | 'DOCUMENT_NOT_ACCEPTED'
  /** The document verified, but its trust anchor is not in a trust set the purpose accepts. */
  | 'ISSUER_NOT_ACCEPTED'
  /** The verification produced no valid document, with no more specific code. */
  | 'VERIFICATION_FAILED';

/** The HTTP API's own refusals (the wallet's answer itself is judged with the codes above). */
export type ServiceCode =
  | 'NOT_FOUND'
  /** The verification's time is up (a read of an expired verification). */
  | 'EXPIRED'
  | 'ALREADY_ANSWERED'
  | 'INVALID_REQUEST'
  | 'INVALID_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_ENCODING'
  | 'BAD_REQUEST'
  | 'UNKNOWN_PURPOSE'
  /** The wallet cannot answer this verification on the channel it used (wrong protocol, no request). */
  | 'WALLET_CANNOT_ANSWER'
  | 'WEBHOOK_URL_BLOCKED'
  | 'API_KEY_REQUIRED'
  | 'API_KEY_INVALID'
  | 'RATE_LIMITED'
  /** Too many event streams for one client or one verification. */
  | 'TOO_MANY_STREAMS'
  /** The process holds all the event streams it will hold; another instance or a later try will do. */
  | 'SERVER_BUSY'
  | 'STORE_UNAVAILABLE'
  /** A stored value does not open under this instance's store key. */
  | 'STORE_VALUE_UNREADABLE'
  /** The purpose of a pending verification was removed from the configuration. */
  | 'PURPOSE_GONE'
  /** A response_code (same-device OpenID4VP, redirect_uri) that is unknown, used already, or another verification's. */
  | 'RESPONSE_CODE_INVALID'
  /** A webhook POST did not succeed this time; the queue tries again later (never an HTTP answer). */
  | 'WEBHOOK_DELIVERY_FAILED'
  | 'INTERNAL';

/** Final states of a verification other than a verification failure. */
export type ServiceReasonCode =
  /** The holder or the wallet said no. */
  | 'DECLINED'
  /** The verifier's own page stopped waiting (a clerk's 中止): nobody refused anything. */
  | 'CANCELLED_BY_VERIFIER'
  /** The wallet answered with an OpenID4VP error other than access_denied: it could not answer this
   * request (wallet_unavailable, invalid_request, ...). The same code its refusal had as an HTTP error. */
  | 'WALLET_ERROR'
  | 'REQUEST_EXPIRED';

/** Starting kakunin: configuration, purposes file, command line. Never an HTTP answer. */
export type OperatorCode = 'CONFIG_INVALID' | 'USAGE';

/** The sandbox wallet refused a request (it carries the OpenID4VP error it would send). */
export type SandboxCode = 'WALLET_REFUSED';

/** Every code kakunin reports. */
export type KakuninCode = PolicyFailureCode | CoseCode | TrustCode | ProtocolFailureCode | ProximityErrorCode | ServiceCode | ServiceReasonCode | OperatorCode | SandboxCode;
