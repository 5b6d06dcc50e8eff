/* The counter page: staff choose a purpose; the customer's wallet answers; the result fills the screen. */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var config = null;
  var current = null; // {verification, run, purposeLabel}
  var resetTimer = null;

  function apiKey() {
    if (!config || !config.api_key_required) return null;
    var key = sessionStorage.getItem('kakunin.apiKey');
    if (!key) {
      key = prompt(I18n.t('apiKey')) || '';
      sessionStorage.setItem('kakunin.apiKey', key);
    }
    return key;
  }

  function renderPurposes() {
    var box = $('purposes');
    box.innerHTML = '';
    config.purposes.forEach(function (p) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = p.label[I18n.lang] || p.label.en;
      b.dataset.purpose = p.name;
      b.onclick = function () { start(p); };
      box.appendChild(b);
    });
  }

  function show(section) {
    $('choose').hidden = section !== 'choose';
    $('wait').hidden = section !== 'wait';
    $('result').hidden = section !== 'result';
  }

  async function start(purpose) {
    var headers = { 'content-type': 'application/json' };
    var key = apiKey();
    if (key) headers.authorization = 'Bearer ' + key;
    var res = await fetch('/v1/verifications', { method: 'POST', headers: headers, body: JSON.stringify({ purpose: purpose.name }) });
    if (!res.ok) {
      if (res.status === 401) sessionStorage.removeItem('kakunin.apiKey');
      return showResult(false, I18n.t('error'), 'HTTP ' + res.status);
    }
    var verification = await res.json();
    current = { verification: verification, purpose: purpose };
    $('wait-status').textContent = I18n.t('waiting');
    $('sandbox-wallet').hidden = !config.sandbox;
    $('sandbox-wallet').disabled = false;
    show('wait');
    current.run = Kakunin.present(verification, {
      qrElement: $('qr'),
      walletButton: $('browser-wallet'),
      onState: onState,
      onError: function () { $('wait-status').textContent = I18n.t('error'); },
    });
  }

  function onState(event) {
    if (!current || event.id !== current.verification.id) return;
    if (event.state === 'retrieved') $('wait-status').textContent = I18n.t('retrieved');
    if (event.state === 'expired') showResult(false, I18n.t('ng'), I18n.t('expired'));
    if (event.state === 'verified' || event.state === 'failed') describe(event.decision);
  }

  function describe(decision) {
    if (!decision || decision.outcome !== 'verified') {
      var codes = (decision && decision.failureCodes) || [];
      return showResult(false, I18n.t('ng'), codes.map(I18n.reason).join(' / '));
    }
    var v = decision.value;
    if (v.kind === 'age_over') return showResult(v.over, I18n.t(v.over ? 'over' : 'notOver', { n: v.threshold }), '');
    if (v.kind === 'residency') return showResult(v.resident, I18n.t(v.resident ? 'resident' : 'notResident'), v.code || (v.municipalities || []).join(', '));
    return showResult(true, I18n.t('identity'), Object.keys(v.attributes).filter(function (k) { return k !== 'portrait'; }).map(function (k) { return v.attributes[k]; }).join(' · '));
  }

  function showResult(ok, headline, reason) {
    $('result').className = 'result ' + (ok ? 'ok' : 'ng');
    $('result-mark').textContent = ok ? '✓' : '✗';
    $('result-headline').textContent = headline;
    $('result-reason').textContent = reason || '';
    show('result');
    clearTimeout(resetTimer);
    // Personal data (a KYC name) must not stay on a counter screen: reset by itself.
    resetTimer = setTimeout(reset, 30000);
  }

  function reset() {
    clearTimeout(resetTimer);
    if (current && current.run) current.run.cancel();
    current = null;
    $('qr').innerHTML = '';
    show('choose');
  }

  $('next').onclick = reset;
  $('cancel').onclick = reset;
  $('sandbox-wallet').onclick = async function () {
    $('sandbox-wallet').disabled = true;
    await fetch('/v1/sandbox/wallet/scan', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: current.verification.qr.uri }) });
  };
  $('lang-ja').onclick = function () { I18n.setLang('ja'); };
  $('lang-en').onclick = function () { I18n.setLang('en'); };
  window.onLanguageChange = function () {
    $('lang-ja').setAttribute('aria-pressed', String(I18n.lang === 'ja'));
    $('lang-en').setAttribute('aria-pressed', String(I18n.lang === 'en'));
    if (config) renderPurposes();
  };

  I18n.apply();
  window.onLanguageChange();
  fetch('/v1/config').then(function (r) { return r.json(); }).then(function (c) {
    config = c;
    renderPurposes();
  });
})();
