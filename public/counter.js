/* The counter page: staff choose a purpose; the customer's phone answers; the result fills the screen. */
(function () {
  'use strict';
  var $ = function (id) {
    return document.getElementById(id);
  };
  var config = null;
  var current = null; // {verification, purpose, run}
  var resetTimer = null;
  var countdown = null;
  /** While the service cannot be reached: the timer that asks it again. */
  var probing = null;
  /** While the phone's wallet is being asked: its errors are the button's to report. */
  var asking = false;
  // The verification in progress or answered, kept until 次のお客様 or the automatic reset: a reload
  // reads it back from the service (which keeps the result for minutes), and never loses an answer.
  var STORED = 'kakunin.current';
  var FINAL = { verified: true, failed: true, declined: true, expired: true, test: true };

  function apiKey() {
    if (!config || !config.api_key_required) return null;
    var key = sessionStorage.getItem('kakunin.apiKey');
    if (!key) {
      key = prompt(I18n.t('apiKey')) || '';
      sessionStorage.setItem('kakunin.apiKey', key);
    }
    return key;
  }

  function label(purpose) {
    return purpose.label[I18n.lang] || purpose.label.en;
  }

  /** Municipalities by name, as a sentence names them: "千代田区・港区" / "Chiyoda-ku or Minato-ku". */
  function places(codes) {
    return (codes || [])
      .map(function (c) {
        return Municipalities.name(c);
      })
      .join(I18n.t('placeJoin'));
  }

  /** What is being checked, with the place a residency check is about: "住民確認（千代田区）". */
  function purposeText(purpose) {
    var where = places(purpose.municipalities);
    return where ? I18n.t('purposeAt', { purpose: label(purpose), place: where }) : label(purpose);
  }

  function renderPurposes() {
    var box = $('purposes');
    box.innerHTML = '';
    config.purposes.forEach(function (p) {
      var b = document.createElement('button');
      b.type = 'button';
      I18n.put(b, label(p));
      b.dataset.purpose = p.name;
      b.onclick = function () {
        start(p);
      };
      box.appendChild(b);
    });
  }

  function show(section) {
    $('choose').hidden = section !== 'choose';
    $('wait').hidden = section !== 'wait';
    $('result').hidden = section !== 'result';
  }

  /**
   * Our own failure before the check started: not a refusal, the same customer tries again. A 401 is
   * the page's key, which trying again does not mend: it says so and asks for the key.
   */
  function startError(status) {
    var reason = status === 401 ? 'wrongKey' : status === 503 || status === 429 ? 'busy' : status ? 'startFailed' : 'offlineStart';
    showResult({ look: 'retry', headline: I18n.t('error'), reason: I18n.t(reason), code: status ? String(status) : '', again: status === 401 ? 'enterKey' : 'again' });
  }

  async function start(purpose) {
    // Known before anything can fail, so an error screen can offer this purpose again.
    current = { purpose: purpose };
    var headers = { 'content-type': 'application/json' };
    var key = apiKey();
    if (key) headers.authorization = 'Bearer ' + key;
    var res;
    try {
      res = await fetch('/v1/verifications', { method: 'POST', headers: headers, body: JSON.stringify({ purpose: purpose.name }) });
    } catch (e) {
      return startError(0);
    }
    if (!res.ok) {
      if (res.status === 401) sessionStorage.removeItem('kakunin.apiKey');
      return startError(res.status);
    }
    follow(await res.json(), purpose);
  }

  /** What the waiting screen says now, kept by its key so a change of language says it again. */
  var waitKey = 'waiting';
  function waitStatus(key) {
    waitKey = key;
    I18n.put($('wait-status'), I18n.t(key));
  }

  /** Shows the waiting screen for a verification and follows it (also after a reload). */
  function follow(verification, purpose) {
    current = { verification: verification, purpose: purpose };
    sessionStorage.setItem(STORED, JSON.stringify({ verification: verification, purpose: purpose.name }));
    I18n.put($('wait-purpose'), purposeText(purpose));
    waitStatus('waiting');
    $('sandbox-wallet').hidden = !config.sandbox;
    $('sandbox-wallet').disabled = false;
    // Apple and Google Wallet answer the Digital Credentials API only: where the browser has it, that
    // is step one and the QR (other apps) waits behind a control; where it has not, the page says so.
    var dcApi = Kakunin.supportsDcApi();
    $('steps').hidden = !dcApi;
    $('no-dcapi').hidden = dcApi;
    $('other-apps').hidden = !dcApi;
    $('qr-hint').dataset.i18n = dcApi ? 'scanApp' : 'scanAppOnly';
    I18n.put($('qr-hint'), I18n.t($('qr-hint').dataset.i18n));
    $('phone-wallet').hidden = !dcApi;
    showQr(!dcApi);
    offline(false);
    show('wait');
    current.run = Kakunin.present(verification, {
      qrElement: $('qr'),
      qrLabel: I18n.t('qrLabelApp'),
      onState: onState,
      onError: function (e) {
        if (asking) return;
        // The service forgot the verification (it restarted): nothing will answer it, say so.
        if (e && e.status === 404) return lost();
        // Unreachable, or answering 5xx: the QR must not be scanned for a check nobody will hear.
        offline(true);
      },
    });
    tick();
  }

  /** The clerk's step one: the browser asks the phone's wallet; a failure says what to do. */
  function askWallet() {
    var run = current && current.run;
    if (!run) return;
    asking = true;
    $('phone-wallet').disabled = true;
    run
      .askWallet()
      .then(
        function () {},
        function (e) {
          if (e && e.status === 404) return lost();
          if (current && current.run === run) waitStatus(e && (e.status === 503 || e.status === 429) ? 'busy' : 'walletFailed');
        },
      )
      .then(function () {
        asking = false;
        $('phone-wallet').disabled = probing !== null;
      });
  }

  /**
   * The service cannot be reached: a distinct state, the QR and step one disabled, and the service
   * asked again every few seconds. When it answers, the wait goes on (or its result is shown); when
   * it no longer knows the verification, the page says so and offers a new one.
   */
  function offline(down) {
    $('wait').classList.toggle('offline', down);
    $('phone-wallet').disabled = down || asking;
    $('qr').setAttribute('aria-hidden', String(down));
    $('qr-offline').hidden = !down;
    $('sandbox-wallet').disabled = down;
    if (down) waitStatus('reconnecting');
    if (down && probing === null) probing = setInterval(probe, 3000);
    if (!down && probing !== null) {
      clearInterval(probing);
      probing = null;
      waitStatus('waiting');
    }
  }

  async function probe() {
    var v = current && current.verification;
    if (!v) return offline(false);
    var event = await read(v);
    if (!event || !current || current.verification !== v) return;
    offline(false);
    if (FINAL[event.state]) return onState(event);
    // Back, and still waiting: listen again from a fresh stream.
    if (current.run) current.run.cancel();
    follow(v, current.purpose);
  }

  /** The verification as the service has it now: an event, or null while it cannot be reached. */
  async function read(v) {
    var res;
    try {
      res = await fetch('/v1/verifications/' + encodeURIComponent(v.id));
    } catch (e) {
      return null;
    }
    if (res.status === 404) return { id: v.id, state: 'unknown' };
    if (res.status === 410) return { id: v.id, state: 'expired', purpose: v.purpose };
    if (!res.ok) return null;
    return res.json().catch(function () {
      return null;
    });
  }

  /** The service no longer knows the verification: not a timeout, not the customer; start a new one. */
  function lost() {
    showResult({ look: 'retry', headline: I18n.t('lost'), reason: I18n.t('lostReason'), again: 'newCheck' });
  }

  /** The QR for other apps: open, or closed behind its control. */
  function showQr(open) {
    $('qr-box').hidden = !open;
    $('other-apps').setAttribute('aria-expanded', String(open));
    $('wait').classList.toggle('with-qr', open);
  }

  function tick() {
    clearInterval(countdown);
    var update = function () {
      if (!current || !current.verification) return clearInterval(countdown);
      var left = Math.max(0, Math.round((Date.parse(current.verification.expires_at) - Date.now()) / 1000));
      $('countdown').textContent = I18n.t('remaining', { m: Math.floor(left / 60), s: String(left % 60).padStart(2, '0') });
    };
    update();
    countdown = setInterval(update, 1000);
  }

  function onState(event) {
    if (!current || !current.verification || event.id !== current.verification.id) return;
    if (event.state === 'unknown') return lost();
    // Anything from the stream means the service is reachable again.
    if (probing !== null) offline(false);
    if (event.state === 'retrieved') waitStatus('retrieved');
    if (FINAL[event.state]) showResult(describe(event));
  }

  function reasonText(reason) {
    return reason ? reason[I18n.lang] || reason.en : '';
  }

  /** What a final event says, as the result screen shows it, in the page's language. */
  function describe(event) {
    // The state is the headline; its code would only repeat it, in English.
    if (event.state === 'expired') return { look: 'retry', headline: I18n.t('expired'), reason: reasonText(event.reason), again: 'again' };
    if (event.state === 'declined') return { look: 'retry', headline: I18n.declined(event.reason), reason: reasonText(event.reason), again: 'again' };
    var decision = event.decision;
    // An Apple test ID (sandbox only): what it would have said, marked TEST, never green.
    if (decision && decision.outcome === 'test') {
      var shown = decide(decision.value);
      shown.look = 'test';
      shown.reason = I18n.t('testId');
      return shown;
    }
    if (!decision || decision.outcome !== 'verified') {
      // Could not verify is not "no": a process failure tries again, a document that does not verify
      // asks for another one; neither is the red cross of a real refusal.
      var code = event.reason ? event.reason.code : '';
      if (event.reason && event.reason.retry) return { look: 'retry', headline: I18n.t('unverified'), reason: reasonText(event.reason), code: code, again: 'again' };
      return { look: 'unverified', headline: I18n.t('unverified'), reason: reasonText(event.reason), next: I18n.t('nextDocument'), code: code, again: 'againDocument' };
    }
    return decide(decision.value);
  }

  /** What a decision's value says, as the result screen shows it. */
  function decide(v) {
    if (v.kind === 'age_over') return { look: v.over ? 'ok' : 'ng', headline: I18n.t(v.over ? 'over' : 'notOver', { n: v.threshold }) };
    if (v.kind === 'residency') {
      // The place the check is about (the one that matched, when the purpose reports it), never read
      // as the customer's address.
      var where = places(v.code ? [v.code] : v.municipalities);
      var key = v.resident ? (where ? 'residentOf' : 'resident') : where ? 'notResidentOf' : 'notResident';
      return { look: v.resident ? 'ok' : 'ng', headline: I18n.t(key, { place: where }) };
    }
    return { look: 'ok', headline: I18n.t('identity'), identity: v.attributes };
  }

  /** KYC at a counter: labelled fields, the portrait shown for the clerk to compare, nothing kept. */
  function renderIdentity(attributes) {
    var box = $('result-identity');
    box.innerHTML = '';
    box.hidden = !attributes;
    if (!attributes) return;
    if (attributes.portrait) {
      var img = document.createElement('img');
      img.alt = I18n.t('portrait');
      img.src = 'data:image/jpeg;base64,' + String(attributes.portrait).replace(/-/g, '+').replace(/_/g, '/');
      box.appendChild(img);
    }
    var dl = document.createElement('dl');
    [
      ['name', 'name'],
      ['address', 'address'],
      ['birth_date', 'birthDate'],
    ].forEach(function (pair) {
      if (attributes[pair[0]] === undefined) return;
      var dt = document.createElement('dt');
      dt.textContent = I18n.t(pair[1]);
      var dd = document.createElement('dd');
      dd.textContent = pair[0] === 'birth_date' ? I18n.date(attributes[pair[0]]) : attributes[pair[0]];
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    box.appendChild(dl);
  }

  /** Each look of the result: a yes, a real no, could not verify, try again, an Apple test ID. */
  var MARKS = { ok: '✓', ng: '✗', unverified: '?', retry: '↻' };

  /**
   * r: {look, headline, reason?, next? (what to do now), code? (for support, shown small), again?
   * (the words of the button that checks the same purpose again), identity?}.
   */
  function showResult(r) {
    clearInterval(countdown);
    if (current && current.run) current.run.cancel();
    stopProbing();
    $('result').className = 'result ' + r.look;
    $('result-mark').textContent = r.look === 'test' ? I18n.t('testMark') : MARKS[r.look];
    I18n.put($('result-headline'), r.headline);
    I18n.put($('result-reason'), r.reason || '');
    I18n.put($('result-next'), r.next || '');
    $('result-next').hidden = !r.next;
    $('result-code').textContent = r.code ? I18n.t('errorCode', { code: r.code }) : '';
    renderIdentity(r.identity);
    // A process failure invites a retry for the same customer; only a real answer moves on.
    $('again').hidden = !r.again || !current || !current.purpose;
    if (r.again) I18n.put($('again'), I18n.t(r.again));
    show('result');
    ($('again').hidden ? $('next') : $('again')).focus();
    clearTimeout(resetTimer);
    // Personal data (a KYC name, a portrait) must not stay on a counter screen: reset by itself.
    resetTimer = setTimeout(reset, r.identity ? 60000 : 30000);
  }

  function stopProbing() {
    clearInterval(probing);
    probing = null;
  }

  function reset() {
    clearTimeout(resetTimer);
    clearInterval(countdown);
    stopProbing();
    if (current && current.run) current.run.cancel();
    sessionStorage.removeItem(STORED);
    current = null;
    $('qr').innerHTML = '';
    $('result-identity').innerHTML = '';
    show('choose');
    var first = document.querySelector('#purposes button');
    if (first) first.focus();
  }

  /** The clerk stops waiting: abort the wallet call, and tell the service it was the counter, not the customer. */
  function cancel() {
    var v = current && current.verification;
    if (v)
      fetch('/v1/verifications/' + encodeURIComponent(v.id) + '/decline', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'verifier_cancelled' }),
      }).catch(function () {});
    reset();
  }

  $('next').onclick = reset;
  $('again').onclick = function () {
    var purpose = current && current.purpose;
    reset();
    if (purpose) start(purpose);
  };
  $('cancel').onclick = cancel;
  // Escape stops a waiting check, as 中止 does (a dialog's key: the clerk's hand is on the keyboard).
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && !$('wait').hidden) cancel();
  });
  $('phone-wallet').onclick = askWallet;
  $('other-apps').onclick = function () {
    showQr($('qr-box').hidden);
  };
  $('sandbox-wallet').onclick = async function () {
    $('sandbox-wallet').disabled = true;
    await fetch('/v1/sandbox/wallet/scan', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: current.verification.qr.uri }) });
  };
  $('lang-ja').onclick = function () {
    I18n.setLang('ja');
  };
  $('lang-en').onclick = function () {
    I18n.setLang('en');
  };
  window.onLanguageChange = function () {
    $('lang-ja').setAttribute('aria-pressed', String(I18n.lang === 'ja'));
    $('lang-en').setAttribute('aria-pressed', String(I18n.lang === 'en'));
    // The waiting screen says again what the check is about and where it stands. (A result covers the
    // switch: the language is chosen before the check.)
    if (!$('wait').hidden && current && current.purpose) {
      I18n.put($('wait-purpose'), purposeText(current.purpose));
      waitStatus(waitKey);
    }
    if (config) {
      renderPurposes();
      document.title = (config.counter_name ? config.counter_name + ' — ' : '') + I18n.t('title');
    }
  };

  /** After a reload: pick up the verification in progress, or the answer that came meanwhile. */
  async function resume() {
    var saved = sessionStorage.getItem(STORED);
    if (!saved) return;
    try {
      saved = JSON.parse(saved);
    } catch (e) {
      return sessionStorage.removeItem(STORED);
    }
    var purpose = config.purposes.filter(function (p) {
      return p.name === saved.purpose;
    })[0];
    if (!purpose || !saved.verification) return sessionStorage.removeItem(STORED);
    current = { verification: saved.verification, purpose: purpose };
    // The answer may have come meanwhile: show it at once, without the waiting screen in between.
    var event = await read(saved.verification);
    if (event && (FINAL[event.state] || event.state === 'unknown')) return onState(event);
    follow(saved.verification, purpose);
  }

  I18n.apply();
  window.onLanguageChange();
  fetch('/v1/config')
    .then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    })
    .then(function (c) {
      config = c;
      window.onLanguageChange();
      resume();
    })
    .catch(function (e) {
      I18n.put($('choose-status'), I18n.t('configFailed'));
      $('retry-config').hidden = false;
      $('retry-config').onclick = function () {
        location.reload();
      };
      void e;
    });
})();
