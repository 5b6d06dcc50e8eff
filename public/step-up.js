/*
 * A securities firm's step-up screen, against `kakunin demo`'s sandbox wallet (its card: 確認 花子,
 * 1990-04-01, 東京都千代田区千代田1-1). In a real site the backend creates the verification with its
 * API key and the account it holds; the demo runs without one and lets you pick the account.
 */
(function () {
  var WORDS = {
    ja: {
      title: '確認証券 — ご本人の再確認',
      tabWithdrawal: '出金先口座の変更',
      tabRecovery: 'スマホを紛失した（アカウントの復旧）',
      withdrawalTitle: '出金先口座の変更',
      withdrawalText: '出金先の銀行口座を変更する前に、口座名義人ご本人であることをスマートフォンのウォレット（マイナンバーカード）で確認します。フィッシングサイトからはこの確認を中継できません。',
      recoveryTitle: 'アカウントの復旧',
      recoveryText: 'スマートフォンを紛失し、パスキーでログインできなくなった方へ。マイナンバーカードで口座名義人ご本人と確認できたら、この端末を新しいログイン端末として登録します。',
      accountsLegend: 'デモ用の口座（当社が登録している情報）',
      accountMatch: '登録どおりの口座',
      accountVariant: '旧字体で登録された口座（碻 は 確 の異体字）',
      accountMismatch: '別の方の口座',
      confirm: 'ウォレットでご本人を確認',
      noDcApi: 'このブラウザからはスマートフォンのウォレットを呼び出せません（Chrome・Edge 141以降、Safari 26以降が必要です）。デモではサンドボックスのウォレットで応答できます。',
      sandboxAnswer: 'サンドボックスのウォレットで応答',
      waiting: 'スマートフォンのウォレットでの操作を待っています…',
      creating: '確認を準備しています…',
      field: '項目',
      comparison: '照合結果',
      name: '氏名',
      birth_date: '生年月日',
      address: '住所',
      match: '一致',
      variant: '異体字の違いのみ（一致とみなします）',
      mismatch: '不一致',
      okWithdrawal: '✓ ご本人と確認できました。出金先口座の変更手続きに進めます。',
      ngWithdrawal: '✗ ご登録の情報と一致しませんでした。出金先口座は変更されません。',
      okRecovery: '✓ ご本人と確認できました。この端末を新しいログイン端末として登録しました。',
      ngRecovery: '✗ ご登録の情報と一致しませんでした。アカウントは復旧されません。お客様窓口へご連絡ください。',
      noValues: '照合は確認サービスの中で行われ、当社にはカードの氏名・生年月日・住所は届きません（届くのは項目ごとの照合結果だけです）。',
      receipt: '署名付きの確認記録（レシート）',
      error: '確認を始められませんでした。もう一度お試しください。',
    },
    en: {
      title: 'Kakunin Securities — confirm it is you',
      tabWithdrawal: 'Change withdrawal account',
      tabRecovery: 'I lost my phone: recover my account',
      withdrawalTitle: 'Change of withdrawal account',
      withdrawalText: "Before the bank account for withdrawals changes, we check with your phone's wallet (My Number Card) that you are the account holder. A phishing site cannot relay this check.",
      recoveryTitle: 'Recover your account',
      recoveryText: 'Lost your phone and cannot sign in with your passkey? Once your My Number Card shows you are the account holder, this device becomes your new sign-in device.',
      accountsLegend: 'Demo accounts (what we hold on file)',
      accountMatch: 'Account as registered',
      accountVariant: 'Account registered in an old form (碻 is a variant of 確)',
      accountMismatch: "Someone else's account",
      confirm: 'Confirm it is you with your wallet',
      noDcApi: "This browser cannot call the phone's wallet (Chrome or Edge 141+, Safari 26+ can). In the demo the sandbox wallet can answer instead.",
      sandboxAnswer: 'Answer with the sandbox wallet',
      waiting: "Waiting for your phone's wallet…",
      creating: 'Preparing the check…',
      field: 'Item',
      comparison: 'Result',
      name: 'Name',
      birth_date: 'Date of birth',
      address: 'Address',
      match: 'Match',
      variant: 'Differs only by a kanji variant (counts as a match)',
      mismatch: 'Does not match',
      okWithdrawal: '✓ Confirmed: you are the account holder. You can go on to change the withdrawal account.',
      ngWithdrawal: '✗ This does not match our records. The withdrawal account is not changed.',
      okRecovery: '✓ Confirmed: you are the account holder. This device is now your sign-in device.',
      ngRecovery: '✗ This does not match our records. The account is not recovered; please contact our support desk.',
      noValues: 'The comparison runs inside the verifier: we never receive the name, date of birth or address on the card, only the result per item.',
      receipt: 'Signed record of the check (receipt)',
      error: 'The check could not start. Please try again.',
    },
  };
  var ACCOUNTS = [
    { key: 'accountMatch', account: { id: 'acct-1029', name: '確認 花子', birth_date: '1990-04-01', address: '東京都千代田区千代田1-1' } },
    { key: 'accountVariant', account: { id: 'acct-2048', name: '碻認 花子', birth_date: '1990-04-01', address: '千代田区千代田一丁目一番' } },
    { key: 'accountMismatch', account: { id: 'acct-4096', name: '確認 春子', birth_date: '1992-11-03', address: '東京都千代田区千代田1-1' } },
  ];
  var $ = function (id) {
    return document.getElementById(id);
  };
  var w = function (key) {
    return WORDS[I18n.lang][key] || WORDS.en[key] || key;
  };
  var scenario = 'withdrawal';
  var run = null;
  var lastResult = null;

  function render() {
    document.documentElement.lang = I18n.lang;
    document.title = w('title');
    document.querySelectorAll('[data-w]').forEach(function (el) {
      I18n.put(el, w(el.getAttribute('data-w')));
    });
    $('lang-ja').setAttribute('aria-pressed', String(I18n.lang === 'ja'));
    $('lang-en').setAttribute('aria-pressed', String(I18n.lang === 'en'));
    $('tab-withdrawal').setAttribute('aria-pressed', String(scenario === 'withdrawal'));
    $('tab-recovery').setAttribute('aria-pressed', String(scenario === 'recovery'));
    I18n.put($('scenario-title'), w(scenario + 'Title'));
    I18n.put($('scenario-text'), w(scenario + 'Text'));
    var chosen = selected();
    var legend = $('accounts').querySelector('legend');
    $('accounts').replaceChildren(legend);
    ACCOUNTS.forEach(function (entry, i) {
      var a = entry.account;
      var label = document.createElement('label');
      label.className = 'account';
      var input = document.createElement('input');
      input.type = 'radio';
      input.name = 'account';
      input.value = String(i);
      input.checked = i === chosen;
      var held = document.createElement('span');
      held.className = 'held';
      var title = document.createElement('span');
      title.className = 'label';
      title.textContent = w(entry.key);
      var values = document.createElement('span');
      values.className = 'values';
      // The withdrawal check compares name and birth date; recovery adds the address.
      values.textContent = [a.name, I18n.date(a.birth_date)].concat(scenario === 'recovery' ? [a.address] : []).join(' / ');
      held.append(title, values);
      label.append(input, held);
      $('accounts').append(label);
    });
    if (lastResult) showResult(lastResult.value, lastResult.event);
  }

  function selected() {
    var checked = document.querySelector('input[name="account"]:checked');
    return checked ? Number(checked.value) : 0;
  }

  function reset() {
    if (run) run.cancel();
    run = null;
    lastResult = null;
    $('result').hidden = true;
    $('status').textContent = '';
    $('sandbox-answer').hidden = true;
    $('no-dcapi').hidden = true;
    $('confirm').disabled = false;
  }

  function showResult(value, event) {
    var rows = $('field-rows');
    rows.replaceChildren();
    Object.keys(value.fields).forEach(function (field) {
      var tr = document.createElement('tr');
      var th = document.createElement('td');
      th.textContent = w(field);
      var td = document.createElement('td');
      td.className = value.fields[field];
      td.textContent = w(value.fields[field]);
      tr.append(th, td);
      rows.append(tr);
    });
    var ok = value.match === true;
    $('verdict').className = 'verdict ' + (ok ? 'ok' : 'ng');
    I18n.put($('verdict'), w((ok ? 'ok' : 'ng') + (scenario === 'withdrawal' ? 'Withdrawal' : 'Recovery')));
    $('receipt').textContent = event.receipt ? JSON.stringify(Kakunin.receiptPayload(event.receipt), null, 2) : '';
    reveal();
  }

  // The result sits under the form: on a phone, below the fold when the wallet hands back. Bring it up.
  function reveal() {
    $('result').hidden = false;
    $('status').textContent = '';
    $('result').scrollIntoView({ block: 'nearest' });
  }

  async function confirm() {
    reset();
    $('confirm').disabled = true;
    I18n.put($('status'), w('creating'));
    var account = Object.assign({}, ACCOUNTS[selected()].account);
    if (scenario === 'withdrawal') delete account.address;
    // Recovery registers this device: ask for the credential's binding, to compare at later checks.
    else account.bind = true;
    var res = null;
    try {
      res = await fetch('/v1/verifications', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'account_match', account: account }) });
    } catch (e) {
      res = null;
    }
    if (!res || !res.ok) {
      I18n.put($('status'), w('error'));
      $('confirm').disabled = false;
      return;
    }
    var verification = await res.json();
    I18n.put($('status'), w('waiting'));
    run = Kakunin.stepUp(verification, {
      onResult: function (value, event) {
        lastResult = { value: value, event: event };
        showResult(value, event);
        $('confirm').disabled = false;
        $('sandbox-answer').hidden = true;
        $('no-dcapi').hidden = true;
      },
      onState: function (event) {
        if (event.state === 'verified' || event.state === 'pending' || event.state === 'retrieved') return;
        // Declined, expired or not verified: the service's sentence says why and what to do.
        $('verdict').className = 'verdict other';
        $('field-rows').replaceChildren();
        I18n.put($('verdict'), event.reason ? event.reason[I18n.lang] || event.reason.en : event.state);
        reveal();
        $('confirm').disabled = false;
      },
      onError: function () {
        I18n.put($('status'), w('error'));
        $('confirm').disabled = false;
      },
    });
    if (Kakunin.supportsDcApi()) {
      run.askWallet().catch(function () {});
    } else {
      // No Digital Credentials API here: the demo's sandbox wallet stands in for the phone.
      $('no-dcapi').hidden = false;
      $('sandbox-answer').hidden = false;
      $('sandbox-answer').onclick = async function () {
        $('sandbox-answer').disabled = true;
        try {
          var dcapi = (await (await fetch(verification.links.dcapi_request)).json()).dcapi;
          var answer = await (
            await fetch('/v1/sandbox/wallet/dcapi', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ argument: dcapi, origin: location.origin }) })
          ).json();
          await fetch(verification.links.dcapi_response, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) });
        } catch (e) {
          I18n.put($('status'), w('error'));
        }
        $('sandbox-answer').disabled = false;
      };
    }
  }

  $('lang-ja').onclick = function () {
    I18n.setLang('ja');
    render();
  };
  $('lang-en').onclick = function () {
    I18n.setLang('en');
    render();
  };
  $('tab-withdrawal').onclick = function () {
    scenario = 'withdrawal';
    reset();
    render();
  };
  $('tab-recovery').onclick = function () {
    scenario = 'recovery';
    reset();
    render();
  };
  $('accounts').onchange = function () {
    reset();
  };
  $('confirm').onclick = confirm;
  render();
})();
