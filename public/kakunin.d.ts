/** Types of kakunin.js, the script a merchant page or a counter loads from the verifier. */
declare namespace Kakunin {
  /** test: an Apple test ID answered, in a sandbox started with KAKUNIN_APPLE_TEST_IDS; never an identity. */
  type State = 'pending' | 'retrieved' | 'verified' | 'failed' | 'declined' | 'expired' | 'test';

  interface Reason {
    /** For support: a failure code of the contract, DECLINED (the holder), WALLET_ERROR (the wallet could not answer), CANCELLED_BY_VERIFIER (the page stopped waiting) or REQUEST_EXPIRED. */
    code: string;
    ja: string;
    en: string;
    /** A process failure: the same person should simply try again. */
    retry: boolean;
    /** declined: the wallet's error code. */
    detail?: string;
  }

  interface Decision {
    purpose: string;
    outcome: 'verified' | 'failed' | 'test';
    value?:
      | { kind: 'age_over'; threshold: number; over: boolean }
      | { kind: 'residency'; resident: boolean; municipalities: string[]; code?: string }
      | { kind: 'attributes'; attributes: Record<string, string | number | boolean> }
      | AccountMatch;
    docType?: string;
    issuer?: { subject: string; country?: string; trustSet?: string; anchor?: string };
    revocation?: 'unavailable';
    failureCodes: string[];
  }

  type FieldResult = 'match' | 'variant' | 'mismatch';

  /** An account_match decision: the comparison with your reference, never the values. */
  interface AccountMatch {
    kind: 'account_match';
    account: string;
    /** No field is a mismatch, and same_credential is not false. */
    match: boolean;
    fields: { name: FieldResult; birth_date: FieldResult; address?: FieldResult };
    same_credential?: boolean;
    binding?: string;
  }

  interface Event {
    id: string;
    state: State;
    purpose: string;
    expires_at: string;
    decision?: Decision;
    /** A JWS: verify it on your backend (README "Receipts"). */
    receipt?: string;
    /** Every final state but verified. */
    reason?: Reason;
  }

  /** The argument of navigator.credentials.get (GET links.dcapi_request answers {dcapi}). */
  interface DcApiRequest {
    digital: { requests: { protocol: string; data: unknown }[] };
  }

  /** What POST /v1/verifications returned to your backend. */
  interface Verification {
    id: string;
    purpose: string;
    state: 'pending';
    /** The wallet link, and where the service draws its QR code (fetched when the page shows it; `svg`, when your backend fetched it already, is used as it is). Absent for account_match (DC API only). */
    qr?: { uri: string; svg_url: string; svg?: string };
    expires_at: string;
    receipt_audience: string;
    /** The origin the DC API request is bound to: your page must be on it. */
    origin: string;
    /** dcapi_request: the navigator.credentials.get argument, made when first asked for (present() does). */
    links: { self: string; events: string; dcapi_request: string; dcapi_response: string };
    /** The DC API request, when your backend fetched it already (else present() fetches links.dcapi_request). */
    dcapi?: DcApiRequest;
  }

  interface Options {
    /** The verifier's URL when the page is on another origin (default: the page's own). */
    baseUrl?: string;
    /** Where the OpenID4VP QR code goes (other wallets): an SVG that fills the element's width, so size the element or `svg` in your CSS. */
    qrElement?: HTMLElement;
    /** The QR code's accessible name (default "QR code for OpenID4VP wallets"). */
    qrLabel?: string;
    /** Shown only where the Digital Credentials API exists; a click asks the phone's wallet. */
    walletButton?: HTMLButtonElement;
    onState?: (event: Event) => void;
    /** Our failures (network, 503): offer "try again"; status 404 (NOT_FOUND): the service no longer knows it, start a new one. */
    onError?: (error: Error & { status?: number; code?: string }) => void;
  }

  interface Run {
    /** Asks the phone's wallet (call from a user gesture); rejects on our failures, as onError hears. */
    askWallet(): Promise<void>;
    /** Stops listening and aborts a pending navigator.credentials.get. */
    cancel(): void;
  }

  function present(verification: Verification, options?: Options): Run;

  interface StepUpOptions {
    baseUrl?: string;
    /** Shown only where the Digital Credentials API exists; a click asks the phone's wallet. */
    walletButton?: HTMLButtonElement;
    /** The answer verified: the comparison (act on `match`; keep `binding` when you asked for one). */
    onResult?: (value: AccountMatch, event: Event) => void;
    /** Every state, as present() gives them (declined, expired and failed carry a reason). */
    onState?: (event: Event) => void;
    onError?: Options['onError'];
  }

  /** present() for an account_match verification: the phone's wallet only, no QR code. */
  function stepUp(verification: Verification, options?: StepUpOptions): Run;
  /** `typeof DigitalCredential !== 'undefined'`: navigator.credentials.get alone says nothing. */
  function supportsDcApi(): boolean;
  function allowsProtocol(protocol: string): boolean;
  /**
   * What present() does on the wallet button: navigator.credentials.get with `dcapi` (the protocols this
   * browser allows), then posts the answer (or the refusal, as a decline) to the verifier.
   */
  function useBrowserWallet(verification: Verification, baseUrl: string | undefined, dcapi: DcApiRequest, signal?: AbortSignal): Promise<Event>;
  /**
   * Back from the wallet app (a verification created with options.redirect_uri): the outcome for the
   * `#response_code=...` of the page's URL, once, only for that verification; rejects otherwise
   * (status 400, code RESPONSE_CODE_INVALID).
   */
  function redeemResponseCode(id: string, responseCode: string, baseUrl?: string): Promise<Event>;
  /** The payload of a receipt JWS, for display (verify it on your backend). */
  function receiptPayload(jws: string): Record<string, unknown>;
}

interface Window {
  Kakunin: typeof Kakunin;
}
