/**
 * The HTTP API's bodies and answers, written once as TypeBox schemas (which are JSON Schema): the
 * service validates request bodies with them (validation.ts), the OpenAPI document is generated from
 * them (openapi.ts), and a test holds the live service's answers to them. A schema named in
 * COMPONENTS appears in the document under components/schemas and is referenced by that name.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Verification ids and request handles: 128 random bits or more, base64url. */
export const Capability = Type.String({ pattern: '^[A-Za-z0-9_-]{22,64}$' });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'A stable code (see each response for the ones it may carry)', examples: ['NOT_FOUND'] }),
    message: Type.String({ description: 'For people; may change', examples: ['unknown verification'] }),
  },
  { additionalProperties: false },
);

// An ASCII host (browsers serialize origins in punycode) and a port up to 65535: nothing new URL() rejects.
const ORIGIN = '^https?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?$';

export const CreateVerification = Type.Object(
  {
    purpose: Type.String({ minLength: 1, maxLength: 64, description: 'age_over, residency, kyc, account_match, or a purpose from the purposes file', examples: ['age_over'] }),
    account: Type.Optional(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 128, description: 'Your own opaque account id: returned as decision.value.account and in the receipt' }),
          name: Type.String({ minLength: 1, maxLength: 256, description: 'The name you hold for the account (kanji as on the My Number Card, or Latin)' }),
          birth_date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' }),
          address: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The address you hold; given, it is compared too (and asked of the wallet)' })),
          binding: Type.Optional(Type.String({ pattern: '^cb1\\.[A-Za-z0-9_-]{43}$', description: 'The binding an earlier account_match returned: reported as same_credential' })),
          bind: Type.Optional(Type.Boolean({ description: "true: return this credential's binding (at onboarding), to pass as `binding` at later checks" })),
        },
        { additionalProperties: false, description: 'account_match only (and required there): the reference to compare with. Compared, never returned; deleted when the verification ends' },
      ),
    ),
    options: Type.Optional(
      Type.Object(
        {
          origin: Type.Optional(
            Type.String({
              pattern: ORIGIN,
              maxLength: 256,
              description: "Origin of the page that will call navigator.credentials.get (default: this service's origin)",
              examples: ['https://shop.example'],
            }),
          ),
          webhook_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048, description: 'Where to POST the verificationFinished webhook when the verification ends' })),
          redirect_uri: Type.Optional(
            Type.String({
              pattern: '^https?://[^#]*$',
              maxLength: 2048,
              description:
                'Your page, on `origin`, where the wallet brings the customer back after the same-device OpenID4VP flow (the wallet link on a phone without the Digital Credentials API), with `#response_code=...` appended (OpenID4VP 1.0 §8.2). The page trusts the result only after POST /v1/verifications/{id}/response-code. No fragment.',
              examples: ['https://shop.example/checkout'],
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ purpose: 'age_over' }, { purpose: 'account_match', account: { id: 'acct-1029', name: '山田 太郎', birth_date: '1990-04-01' } }],
  },
);

const URL_TEXT = Type.String({ format: 'uri' });

const FIELD_RESULT = Type.Union([Type.Literal('match'), Type.Literal('variant'), Type.Literal('mismatch')], {
  description: 'match: the same after normalisation; variant: the same up to kanji variants (MJ縮退マップ), variation selectors or Latin diacritics; mismatch',
});

export const Verification = Type.Object(
  {
    id: Type.String({ description: 'The verification id: an unguessable capability; whoever holds it may read the minimal result' }),
    purpose: Type.String(),
    state: Type.Literal('pending'),
    qr: Type.Optional(
      Type.Object(
        {
          uri: Type.String({ description: 'openid4vp://?client_id=...&request_uri=...&request_uri_method=post' }),
          svg_url: Type.String({ format: 'uri', description: 'GET it for the QR code of `uri` as SVG (drawn on demand)' }),
        },
        { additionalProperties: false, description: 'Absent when the purpose does not offer the OpenID4VP channel (account_match by default: a QR code can be relayed by a phishing page)' },
      ),
    ),
    expires_at: Type.String({ format: 'date-time' }),
    receipt_audience: Type.String({
      description:
        "The `aud` of this verification's receipt: the client that created it (`kakunin-client:<kid>.<mac>`, a keyed hash of its API key under a secret derived from the receipt key, whose kid it begins with; `kakunin-client:sandbox` without API keys). Check it, with iss, sub (the verification id) and exp, when you verify the receipt against /.well-known/jwks.json.",
    }),
    origin: Type.String({
      description: "The web origin the Digital Credentials API request is bound to: the page that calls navigator.credentials.get must be on it (options.origin at creation, default PUBLIC_URL's)",
    }),
    links: Type.Object(
      {
        self: URL_TEXT,
        events: URL_TEXT,
        dcapi_request: Type.String({ format: 'uri', description: 'GET it for the Digital Credentials API request, made the first time it is asked for' }),
        dcapi_response: URL_TEXT,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const Reason = Type.Object(
  {
    code: Type.String({
      description:
        'A failure code of the contract, ISSUER_NOT_ACCEPTED / DOCUMENT_NOT_ACCEPTED / VERIFICATION_FAILED, DECLINED (the holder or the wallet said no: access_denied, or a call the page saw cancelled), WALLET_ERROR (the wallet answered with another OpenID4VP error: it could not answer), CANCELLED_BY_VERIFIER (the page stopped waiting) or REQUEST_EXPIRED',
    }),
    ja: Type.String(),
    en: Type.String(),
    retry: Type.Boolean({ description: 'A process failure: the same customer should try again (もう一度), rather than move on (次のお客様)' }),
    detail: Type.Optional(Type.String({ description: "declined: the wallet's error code (access_denied, user_cancelled, ...)" })),
  },
  { additionalProperties: false, description: 'Why a verification ended other than verified: the code for support, a sentence in each language for the clerk or the customer' },
);

export const Decision = Type.Object(
  {
    purpose: Type.String(),
    outcome: Type.Union([Type.Literal('verified'), Type.Literal('failed'), Type.Literal('test')], {
      description: 'test: an Apple Wallet integrator test ID answered (sandbox with KAKUNIN_APPLE_TEST_IDS only); the device authenticated, no issuer vouches for the data: never an identity',
    }),
    value: Type.Optional(
      Type.Union([
        Type.Object({ kind: Type.Literal('age_over'), threshold: Type.Integer(), over: Type.Boolean() }, { additionalProperties: false }),
        Type.Object(
          {
            kind: Type.Literal('residency'),
            resident: Type.Boolean(),
            municipalities: Type.Array(Type.String({ pattern: '^[0-9]{5,6}$' }), {
              description: 'The 市区町村コード the purpose accepts (its configuration, not the holder\'s data): "resident of 131016: yes" is {"resident": true, "municipalities": ["131016"]}',
            }),
            code: Type.Optional(Type.String({ description: 'The matching code, only when the purpose is configured to report it' })),
          },
          { additionalProperties: false },
        ),
        Type.Object({ kind: Type.Literal('attributes'), attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])) }, { additionalProperties: false }),
        Type.Object(
          {
            kind: Type.Literal('account_match'),
            account: Type.String({ description: 'Your account id, as given' }),
            match: Type.Boolean({ description: 'Every compared field is match or variant, and same_credential is not false' }),
            fields: Type.Object({ name: FIELD_RESULT, birth_date: FIELD_RESULT, address: Type.Optional(FIELD_RESULT) }, { additionalProperties: false, description: 'Per field: never the values' }),
            same_credential: Type.Optional(Type.Boolean({ description: 'When account.binding was given: the same wallet credential as when that binding was made' })),
            binding: Type.Optional(Type.String({ description: "When account.bind was true: this credential's binding for you (a keyed hash; another merchant gets another)" })),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
    docType: Type.Optional(Type.String()),
    issuer: Type.Optional(
      Type.Object({ subject: Type.String(), country: Type.Optional(Type.String()), trustSet: Type.Optional(Type.String()), anchor: Type.Optional(Type.String()) }, { additionalProperties: false }),
    ),
    failureCodes: Type.Array(Type.String({ description: 'Verification failure codes (DESIGN.md) and DOCUMENT_NOT_ACCEPTED, ISSUER_NOT_ACCEPTED, VERIFICATION_FAILED' })),
    revocation: Type.Optional(
      Type.Literal('unavailable', {
        description: 'Present when the document was accepted under KAKUNIN_REVOCATION=warn although no current CRL or status list could say whether it was revoked',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SessionEvent = Type.Object(
  {
    id: Type.String(),
    state: Type.Union(['pending', 'retrieved', 'verified', 'failed', 'declined', 'expired', 'test'].map((s) => Type.Literal(s))),
    purpose: Type.String(),
    expires_at: Type.String({ format: 'date-time' }),
    decision: Type.Optional(Decision),
    receipt: Type.Optional(Type.String({ description: 'Compact JWS (ES256, typ kakunin-receipt+jwt); key at /.well-known/jwks.json' })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const DcApiRequest = Type.Object(
  {
    dcapi: Type.Object(
      { digital: Type.Object({ requests: Type.Array(Type.Object({ protocol: Type.String(), data: Type.Unknown() })) }) },
      {
        description:
          'The argument for navigator.credentials.get ({digital: {requests: [...]}}): org-iso-mdoc ({deviceRequest, encryptionInfo}, with readerAuth) and openid4vp-v1-signed ({request: signed request object, response_mode dc_api.jwt}) or, with extra verifier certificates configured, openid4vp-v1-multisigned ({payload, signatures}: JWS JSON Serialization), each with its own single-use nonce and ephemeral key.',
      },
    ),
  },
  { additionalProperties: false },
);

export const DcApiResponse = Type.Object(
  {
    protocol: Type.String({
      minLength: 1,
      maxLength: 64,
      examples: ['org-iso-mdoc', 'openid4vp-v1-signed'],
      description:
        'The protocol the wallet answered in: one of those offered in `dcapi` (org-iso-mdoc, openid4vp-v1-signed or openid4vp-v1-multisigned); any other is refused with 400 PROTOCOL_UNSUPPORTED, and an answer whose form belongs to another of them (relabelled) with 400 PROTOCOL_MISMATCH.',
    }),
    data: Type.Union([Type.Object({}), Type.String({ maxLength: 1_000_000 })], {
      description: 'The DigitalCredential data as returned: {response: b64url EncryptedResponse} for org-iso-mdoc (ISO 18013-7 Annex C, HPKE), {response: JWE} for openid4vp-v1-signed (dc_api.jwt).',
    }),
  },
  { additionalProperties: false },
);

export const Decline = Type.Object(
  {
    error: Type.Union([Type.Literal('user_cancelled'), Type.Literal('access_denied'), Type.Literal('not_supported'), Type.Literal('verifier_cancelled')], {
      description:
        "How navigator.credentials.get ended, or verifier_cancelled: the page itself stopped waiting (a clerk's cancel), recorded with reason CANCELLED_BY_VERIFIER rather than the holder's DECLINED",
    }),
  },
  { additionalProperties: false },
);

/** OpenID4VP 1.0 §5.10: request_uri_method=post. */
export const WalletRequestPost = Type.Object({
  wallet_nonce: Type.Optional(Type.String({ maxLength: 256 })),
  wallet_metadata: Type.Optional(Type.String({ maxLength: 65536 })),
});

/** The wallet's answer (`response`, a JWE) or its error response (OpenID4VP 1.0 §8.5); exactly one
 * of the two, which acceptDirectPost checks. */
export const DirectPost = Type.Object(
  {
    response: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000_000, description: 'JWE (ECDH-ES, A128GCM or A256GCM) holding vp_token' })),
    error: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'e.g. access_denied' })),
    error_description: Type.Optional(Type.String({ maxLength: 2048 })),
    state: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { description: "Either the answer (response) or the wallet's error response (error, error_description, state: OpenID4VP 1.0 §8.5), which ends the verification as declined" },
);

/** OpenID4VP 1.0 §8.2: what response_uri answers the wallet. */
export const DirectPostAnswer = Type.Object(
  {
    redirect_uri: Type.Optional(
      Type.String({
        format: 'uri',
        description:
          "Where the wallet sends the customer's browser: the verification's `options.redirect_uri` with `#response_code=...` (absent when none was given: a cross-device QR has nowhere to go back to)",
      }),
    ),
  },
  { additionalProperties: false, examples: [{ redirect_uri: 'https://shop.example/checkout#response_code=Qb0nN4O3u8cQ6m1fV5d8xA' }] },
);

export const ResponseCode = Type.Object(
  { response_code: Type.String({ minLength: 1, maxLength: 64, description: 'The response_code of the redirect_uri fragment' }) },
  { additionalProperties: false },
);

export const ServiceConfig = Type.Object(
  {
    sandbox: Type.Boolean(),
    test_ids: Type.Boolean({ description: 'Apple Wallet integrator test IDs are answered as TEST (sandbox only): pages show a TEST banner' }),
    api_key_required: Type.Boolean(),
    counter_name: Type.Optional(Type.String()),
    purposes: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          label: Type.Object({ ja: Type.String(), en: Type.String() }, { additionalProperties: false }),
          documents: Type.Array(Type.String()),
          municipalities: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{5,6}$' }), { description: 'residency: the 市区町村コード it accepts (the counter names them while it waits)' })),
        },
        { additionalProperties: false },
      ),
      { description: "The purposes a counter can start: account_match purposes, which need the account reference from a merchant's backend, are not listed" },
    ),
  },
  { additionalProperties: false },
);

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({ kty: Type.String(), kid: Type.Optional(Type.String()) })) });
export const Health = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });
export const Readiness = Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]), store: Type.String() }, { additionalProperties: false });

export const SandboxScan = Type.Object({ uri: Type.String({ maxLength: 4096, pattern: '^openid4vp://', description: '`qr.uri` of a verification' }) }, { additionalProperties: false });
export const SandboxScanResult = Type.Object(
  {
    wallet_post_status: Type.Integer(),
    redirect_uri: Type.Optional(Type.String({ format: 'uri', description: "Where the service told the wallet to send the customer's browser (a verification created with options.redirect_uri)" })),
  },
  { additionalProperties: false, examples: [{ wallet_post_status: 200 }] },
);
export const SandboxDcApi = Type.Object(
  {
    argument: Type.Object({}, { description: '`dcapi` of a verification' }),
    origin: Type.String({ maxLength: 256, description: "the page's origin, e.g. http://localhost:8080" }),
  },
  { additionalProperties: false },
);
export const DigitalCredential = Type.Object({ protocol: Type.String(), data: Type.Object({}) }, { additionalProperties: false });

export const WebhookBody = Type.Object(
  {
    event_id: Type.String({ pattern: '^evt_[A-Za-z0-9_-]+$', description: "The same for every delivery of this verification's final state, on every instance" }),
    verification_id: Type.String(),
    state: Type.Union([Type.Literal('verified'), Type.Literal('failed'), Type.Literal('declined'), Type.Literal('test')]),
    receipt: Type.Optional(Type.String({ description: 'Receipt JWS (verified, failed and test)' })),
    reason: Type.Optional(Type.Object({ code: Type.String(), ja: Type.String(), en: Type.String() }, { description: 'Why (declined)' })),
  },
  { additionalProperties: false },
);
export type WebhookBody = Static<typeof WebhookBody>;

/** Schemas the document names under components/schemas (and references wherever they are used). */
export const COMPONENTS: Record<string, TSchema> = {
  Error: ErrorBody,
  CreateVerification,
  Verification,
  SessionEvent,
  Decision,
  Reason,
  DcApiRequest,
  DcApiResponse,
  Decline,
  WalletRequestPost,
  DirectPost,
  DirectPostAnswer,
  ResponseCode,
  ServiceConfig,
};
