/*
 * kakunin.js — drop-in script for a merchant page. Your backend creates the verification
 * (POST /v1/verifications with your API key) and hands the page its JSON; this script shows the QR
 * code, offers the browser's own wallet (W3C Digital Credentials API), and reports each state.
 *
 *   <script src="https://verifier.example/kakunin.js"></script>
 *   const run = Kakunin.present(verification, { baseUrl, qrElement, walletButton, onState });
 *   run.cancel();
 *
 * onState(event) gets {id, state, purpose, decision?, receipt?}; state is pending, retrieved,
 * verified, failed or expired. The receipt is a JWS your backend can check against
 * {baseUrl}/.well-known/jwks.json.
 */
(function (global) {
  'use strict';
  var FINAL = { verified: true, failed: true, expired: true };

  function supportsDcApi() {
    return !!(global.navigator && global.navigator.credentials && typeof global.navigator.credentials.get === 'function');
  }

  /** Calls navigator.credentials.get with the verification's request and posts the answer. */
  async function useBrowserWallet(verification, baseUrl) {
    var credential = await global.navigator.credentials.get(verification.dcapi);
    if (!credential) throw new Error('no credential');
    var body = { protocol: credential.protocol, data: credential.data };
    var res = await fetch(baseUrl + '/v1/verifications/' + encodeURIComponent(verification.id) + '/dcapi-response', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    var json = await res.json();
    if (!res.ok) throw new Error(json.error || 'HTTP ' + res.status);
    return json;
  }

  function present(verification, options) {
    var baseUrl = (options && options.baseUrl) || '';
    var onState = (options && options.onState) || function () {};
    var done = false;
    var finish = function (event) {
      if (done) return;
      onState(event);
      if (FINAL[event.state]) {
        done = true;
        if (source) source.close();
      }
    };
    if (options && options.qrElement) options.qrElement.innerHTML = verification.qr.svg;
    if (options && options.walletButton) {
      options.walletButton.hidden = !supportsDcApi();
      options.walletButton.onclick = function () {
        options.walletButton.disabled = true;
        useBrowserWallet(verification, baseUrl)
          .then(finish)
          .catch(function (e) {
            options.walletButton.disabled = false;
            if (options.onError) options.onError(e);
          });
      };
    }
    var source = new EventSource(baseUrl + '/v1/verifications/' + encodeURIComponent(verification.id) + '/events');
    ['pending', 'retrieved', 'verified', 'failed', 'expired'].forEach(function (name) {
      source.addEventListener(name, function (e) {
        finish(JSON.parse(e.data));
      });
    });
    source.onerror = function () {
      // The stream ends after a final state, or the id is gone (404/410): ask once to know which.
      if (done) return;
      fetch(baseUrl + '/v1/verifications/' + encodeURIComponent(verification.id))
        .then(function (r) {
          return r.status === 410 || r.status === 404 ? { id: verification.id, state: 'expired', purpose: verification.purpose } : r.json();
        })
        .then(function (event) {
          if (FINAL[event.state]) finish(event);
        })
        .catch(function () {});
    };
    return {
      cancel: function () {
        done = true;
        source.close();
      },
    };
  }

  /** The payload of a receipt JWS, for display (verification is the backend's job). */
  function receiptPayload(jws) {
    var part = jws.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    var bytes = Uint8Array.from(atob(part + '==='.slice((part.length + 3) % 4)), function (c) {
      return c.charCodeAt(0);
    });
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  global.Kakunin = { present: present, useBrowserWallet: useBrowserWallet, supportsDcApi: supportsDcApi, receiptPayload: receiptPayload };
})(window);
