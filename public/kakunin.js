/*
 * kakunin.js — drop-in script for a merchant page or a counter. Your backend creates the
 * verification (POST /v1/verifications with your API key, `options.origin` set to your page's
 * origin) and hands the page its JSON; this script asks the phone's wallet through the W3C Digital
 * Credentials API (Apple Wallet, Google Wallet), shows the OpenID4VP QR code for other wallets, and
 * reports each state. Types: kakunin.d.ts. README: "Add kakunin to your checkout".
 *
 *   <script src="https://verifier.example/kakunin.js"></script>
 *   const run = Kakunin.present(verification, { baseUrl, qrElement, walletButton, onState, onError });
 *   run.cancel();   // stops listening and aborts a pending navigator.credentials.get
 *   Kakunin.redeemResponseCode(id, code, baseUrl);  // back from the wallet app (#response_code=...)
 *
 * A step-up ("is this the account holder?", purpose account_match, created by your backend with the
 * account's reference) offers only the Digital Credentials API, so there is no QR code:
 *
 *   Kakunin.stepUp(verification, { baseUrl, walletButton, onResult, onState, onError });
 *   // onResult({match, fields: {name, birth_date, address?}, same_credential?, binding?}, event)
 *   // once the answer verified; a decline, an expiry or a failure reaches onState with its reason.
 *
 * onState(event) gets {id, state, purpose, decision?, receipt?, reason?}; state is pending,
 * retrieved, verified, failed, declined, expired or test (an Apple test ID in a sandbox that accepts
 * them: decision.outcome is test, never an identity), and every final state but verified and test carries
 * reason {code, ja, en, retry}. onError(error) hears of our own failures (network, 503): the person
 * should simply try again; status 404 (code NOT_FOUND) means the service no longer knows the
 * verification, so only a new one can go on.
 */
(function (global) {
  'use strict';
  var FINAL = { verified: true, failed: true, declined: true, expired: true, test: true };

  /**
   * The Digital Credentials API is there when DigitalCredential is defined: navigator.credentials.get
   * exists in every browser and says nothing about it.
   */
  function supportsDcApi() {
    return typeof global.DigitalCredential !== 'undefined' && !!(global.navigator && global.navigator.credentials);
  }

  /** Whether the browser lets the page use `protocol` (DigitalCredential.userAgentAllowsProtocol), when it says. */
  function allowsProtocol(protocol) {
    if (!supportsDcApi()) return false;
    var check = global.DigitalCredential.userAgentAllowsProtocol;
    return typeof check === 'function' ? !!check.call(global.DigitalCredential, protocol) : true;
  }

  async function getJson(url) {
    var res = await fetch(url);
    var json = await res.json().catch(function () {
      return {};
    });
    if (!res.ok) throw Object.assign(new Error(json.message || json.error || 'HTTP ' + res.status), { status: res.status, code: json.error });
    return json;
  }

  async function post(url, body) {
    var res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    var json = await res.json().catch(function () {
      return {};
    });
    if (!res.ok) {
      var error = new Error(json.message || json.error || 'HTTP ' + res.status);
      error.status = res.status;
      error.code = json.error;
      throw error;
    }
    return json;
  }

  /**
   * Calls navigator.credentials.get with the verification's request (only the protocols this browser
   * allows) and posts the answer. A cancelled or refused call ends the verification as declined.
   */
  async function useBrowserWallet(verification, baseUrl, dcapi, signal) {
    var base = (baseUrl || '') + '/v1/verifications/' + encodeURIComponent(verification.id);
    var requests = dcapi.digital.requests.filter(function (r) {
      return allowsProtocol(r.protocol);
    });
    if (requests.length === 0) requests = dcapi.digital.requests;
    var credential;
    try {
      credential = await global.navigator.credentials.get({ digital: { requests: requests }, mediation: 'required', signal: signal });
    } catch (e) {
      // The person closed the sheet, or the wallet said no: not a failure of ours, a refusal.
      if (e && (e.name === 'NotAllowedError' || e.name === 'AbortError')) {
        if (e.name === 'AbortError' && signal && signal.aborted) throw e;
        return post(base + '/decline', { error: e.name === 'NotAllowedError' ? 'user_cancelled' : 'access_denied' });
      }
      if (e && e.name === 'NotSupportedError') return post(base + '/decline', { error: 'not_supported' });
      throw e;
    }
    if (!credential) return post(base + '/decline', { error: 'user_cancelled' });
    return post(base + '/dcapi-response', { protocol: credential.protocol, data: credential.data });
  }

  function present(verification, options) {
    options = options || {};
    var baseUrl = options.baseUrl || '';
    var onState = options.onState || function () {};
    var onError = options.onError || function () {};
    var done = false;
    var pending = null;
    var source;
    var finish = function (event) {
      if (done) return;
      onState(event);
      if (FINAL[event.state]) {
        done = true;
        if (source) source.close();
      }
    };
    var base = baseUrl + '/v1/verifications/' + encodeURIComponent(verification.id);
    if (options.qrElement && verification.qr) {
      // Drawn by the service on demand (qr.svg_url): a page that never shows a QR never pays for one.
      var qrElement = options.qrElement;
      var shown = verification.qr.svg
        ? Promise.resolve(verification.qr.svg)
        : fetch(verification.qr.svg_url).then(function (r) {
            return r.ok ? r.text() : '';
          });
      shown.then(
        function (markup) {
          if (done || !markup) return;
          qrElement.innerHTML = markup;
          var svg = qrElement.querySelector('svg');
          if (svg) {
            svg.setAttribute('role', 'img');
            svg.setAttribute('aria-label', options.qrLabel || 'QR code for OpenID4VP wallets');
          }
        },
        function () {},
      );
    }
    // The DC API request is made when asked for: fetched now, before the click, so that the click's
    // user activation is still fresh when navigator.credentials.get runs.
    var dcapi = null;
    if (supportsDcApi()) {
      dcapi = verification.dcapi
        ? Promise.resolve(verification.dcapi)
        : getJson((verification.links && verification.links.dcapi_request) || base + '/dcapi-request').then(function (r) {
            return r.dcapi;
          });
      dcapi.catch(function () {});
    }
    if (typeof location !== 'undefined' && verification.origin && verification.origin !== location.origin && global.console) {
      // The verifier binds the request to the origin it was created for; another page cannot use it.
      global.console.warn('kakunin: this verification was created for ' + verification.origin + ' but the page is ' + location.origin + '; set options.origin when you create it');
    }
    var askWallet = function () {
      if (!supportsDcApi()) return Promise.reject(new Error('the Digital Credentials API is not available'));
      pending = typeof AbortController === 'function' ? new AbortController() : null;
      var signal = pending && pending.signal;
      return dcapi
        .then(function (request) {
          return useBrowserWallet(verification, baseUrl, request, signal);
        })
        .then(finish, function (e) {
          if (done || (pending && pending.signal.aborted)) return;
          onError(e);
          throw e;
        });
    };
    if (options.walletButton) {
      options.walletButton.hidden = !supportsDcApi();
      options.walletButton.onclick = function () {
        options.walletButton.disabled = true;
        askWallet().catch(function () {
          options.walletButton.disabled = false;
        });
      };
    }
    source = new EventSource(baseUrl + '/v1/verifications/' + encodeURIComponent(verification.id) + '/events');
    ['pending', 'retrieved', 'verified', 'failed', 'declined', 'expired', 'test'].forEach(function (name) {
      source.addEventListener(name, function (e) {
        finish(JSON.parse(e.data));
      });
    });
    source.onerror = function () {
      // The stream ends after a final state, or the connection dropped: ask once to know which.
      if (done) return;
      fetch(baseUrl + '/v1/verifications/' + encodeURIComponent(verification.id))
        .then(function (r) {
          if (r.status === 410) return { id: verification.id, state: 'expired', purpose: verification.purpose };
          // Unknown (a service that lost it, or a wrong id): not an expiry, nothing will answer it.
          if (r.status === 404) throw Object.assign(new Error('this verification is unknown to the service'), { status: 404, code: 'NOT_FOUND' });
          if (!r.ok) throw Object.assign(new Error('HTTP ' + r.status), { status: r.status });
          return r.json();
        })
        .then(function (event) {
          if (FINAL[event.state]) finish(event);
        })
        .catch(function (e) {
          if (!done) onError(e);
        });
    };
    return {
      /** Asks the phone's wallet (the DC API) without a button: call it from a click handler. */
      askWallet: askWallet,
      cancel: function () {
        done = true;
        if (pending) pending.abort();
        if (source) source.close();
      },
    };
  }

  /**
   * present() for an account_match verification: the phone's wallet only (the answer is bound to this
   * page's origin, which a phishing page cannot relay), and the comparison handed to onResult.
   */
  function stepUp(verification, options) {
    options = options || {};
    var onResult = options.onResult || function () {};
    var onState = options.onState || function () {};
    return present(verification, {
      baseUrl: options.baseUrl,
      walletButton: options.walletButton,
      onError: options.onError,
      onState: function (event) {
        onState(event);
        var value = event.decision && event.decision.value;
        if (event.state === 'verified' && value && value.kind === 'account_match') onResult(value, event);
      },
    });
  }

  /**
   * Back from the wallet app (same-device OpenID4VP, a verification created with options.redirect_uri):
   * the page's URL ends in #response_code=...; the service answers the result only for that code of
   * this verification, once. Trust the result only when this resolves.
   */
  function redeemResponseCode(id, responseCode, baseUrl) {
    return post((baseUrl || '') + '/v1/verifications/' + encodeURIComponent(id) + '/response-code', { response_code: responseCode });
  }

  /** The payload of a receipt JWS, for display (verification is the backend's job). */
  function receiptPayload(jws) {
    var part = jws.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    var bytes = Uint8Array.from(atob(part + '==='.slice((part.length + 3) % 4)), function (c) {
      return c.charCodeAt(0);
    });
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  global.Kakunin = {
    present: present,
    stepUp: stepUp,
    useBrowserWallet: useBrowserWallet,
    supportsDcApi: supportsDcApi,
    allowsProtocol: allowsProtocol,
    redeemResponseCode: redeemResponseCode,
    receiptPayload: receiptPayload,
  };
})(window);
