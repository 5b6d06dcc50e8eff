/* The pages' words in Japanese and English. The browser's language chooses; the switch overrides it.
 * Why a verification did not succeed comes from the service (reason.ja / reason.en), for every code. */
(function (global) {
  'use strict';
  var WORDS = {
    ja: {
      title: '確認 — 窓口',
      choose: '確認する内容を選んでください',
      checking: '確認中の項目:',
      waiting: 'お客様のスマートフォンでの操作を待っています',
      retrieved: 'スマートフォンで操作中です',
      phoneWallet: 'スマートフォンのウォレットで確認',
      scan: 'スマートフォンのウォレットでQRコードを読み取ってください',
      scanOther: 'その他のウォレット（OpenID4VP 対応）はQRコードを読み取ってください',
      qrLabel: 'OpenID4VP 対応ウォレット用のQRコード',
      remaining: '残り {m}分{s}秒',
      sandboxWallet: 'サンドボックスのウォレットで応答',
      cancel: '中止',
      again: 'もう一度',
      next: '次のお客様',
      // The counter: who does what, a place named as a sentence names it, and what to do next.
      startWallet: '確認を始める',
      step1: '係員がこのボタンを押します',
      step2: 'ブラウザが表示するQRコードを、お客様がスマートフォンのカメラで読み取り、Apple\u00a0ウォレットまたは Google\u00a0ウォレットで確認します',
      otherApps: 'その他のアプリで確認',
      scanApp: 'その他の確認アプリをお使いのお客様は、アプリでこのQRコードを読み取ってください',
      qrLabelApp: '確認アプリ用のQRコード',
      scanAppOnly: '確認アプリをお使いのお客様は、アプリでこのQRコードを読み取ってください',
      noDcApi: 'このブラウザからは Apple\u00a0ウォレットと Google\u00a0ウォレットを使えません。使えるのは Chrome・Edge（141以降）と Mac の Safari（26以降）です。',
      purposeAt: '{purpose}（{place}）',
      placeJoin: '・',
      residentOf: '{place}の住民です',
      notResidentOf: '{place}の住民ではありません',
      unverified: '確認できませんでした',
      nextDocument: '別の本人確認書類をご提示ください。',
      againDocument: '別の書類で確認',
      errorCode: 'エラーコード: {code}',
      wrongKey: 'この画面に設定されたAPIキーが正しくありません。管理者に正しいキーを確認してください。',
      enterKey: 'APIキーを入力し直す',
      offlineStart: 'ネットワークにつながっていません。接続を確かめてから、もう一度お試しください。',
      startFailed: '確認を始められませんでした。もう一度お試しください。',
      reconnecting: 'サービスに接続し直しています…',
      reconnectingQr: '接続が戻るまで、このQRコードは使えません',
      lost: 'この確認は無効になりました',
      lostReason: 'サービスがこの確認を見つけられません。新しい確認を始めてください。',
      newCheck: '新しい確認を始める',
      walletFailed: 'スマートフォンからの応答を受け取れませんでした。もう一度「確認を始める」を押してください。',
      ok: '確認できました',
      ng: '確認できませんでした',
      expired: '時間切れです',
      declined: '提示が中止されました',
      walletError: 'ウォレットが応答できませんでした',
      cancelledHere: '確認を中止しました',
      over: '{n}歳以上です',
      notOver: '{n}歳未満です',
      resident: '住民です',
      notResident: '住民ではありません',
      identity: '本人確認ができました',
      name: '氏名',
      address: '住所',
      birthDate: '生年月日',
      portrait: '顔写真（照合用・保存しません）',
      apiKey: 'APIキーを入力してください',
      error: '確認を始められませんでした',
      tryAgain: 'もう一度お試しください。',
      busy: '混み合っています。少し待ってからもう一度お試しください。',
      offline: 'ネットワークにつながっていません',
      configFailed: '設定を読み込めませんでした。ネットワークを確認して再読み込みしてください。',
      reload: '再読み込み',
      merchantTitle: '確認 — お買い物デモ',
      cart: 'ご注文',
      item: '日本酒 720ml',
      pay: '年齢を確認して購入',
      openWallet: 'ウォレットアプリで開く',
      receipt: '開発者向け：確認の控え（署名付き）',
      thanks: 'ご購入ありがとうございます',
      refused: '20歳未満の方には販売できません',
      // The checkout: what to press while waiting, and after each outcome what to do now.
      waitDcApi: '下のボタンを押すと、ブラウザがスマートフォンのウォレット（Apple\u00a0ウォレット・Google\u00a0ウォレット）に年齢の確認を求めます。',
      waitLink: '「ウォレットアプリで開く」を押し、ウォレットアプリで年齢を確認してください。終わるとこのページに戻ります。',
      noWalletApp: 'ウォレットアプリが開かないときは、このスマートフォンに対応するアプリが入っていません。Chrome（141以降）や Safari（26以降）でこのページを開くか、パソコンでお試しください。',
      answering: 'ウォレットで確認しています…',
      answerNotTaken: 'うまく届きませんでした。もう一度お試しください。',
      thanksNext: 'ご注文を承りました。このページは閉じてかまいません。',
      refusedNext: 'ご注文は確定していません。代金はかかりません。',
      pressAgain: '購入するには「年齢を確認して購入」をもう一度押してください。',
      otherDocument: 'この書類では確認できません。別の本人確認書類でもう一度お試しください。',
      gone: 'この確認は無効になりました',
      codeRefused: 'ウォレットから戻った確認を受け付けられませんでした。',
      doneElsewhere: 'ウォレットでの操作は終わりました。確認を始めた画面に戻ってください。',
      testBanner: 'テストモード：Apple のテスト用IDを受け付けています。ここでの結果は本人確認になりません',
      testMark: 'テスト',
      testId: 'Apple のテスト用IDです。端末の署名は確認しましたが、発行者の署名はありません。本人確認ではありません。',
      testSale: 'テスト：販売はしていません（{decision}）。',
      sentenceGap: '',
    },
    en: {
      title: 'kakunin — Counter',
      choose: 'Choose what to check',
      checking: 'Checking:',
      waiting: "Waiting for the customer's phone",
      retrieved: 'The customer is answering on the phone',
      phoneWallet: "Check with the phone's wallet",
      scan: "Scan the QR code with your phone's wallet",
      scanOther: 'Other wallets (OpenID4VP): scan the QR code',
      qrLabel: 'QR code for OpenID4VP wallets',
      remaining: '{m}:{s} left',
      sandboxWallet: 'Answer with the sandbox wallet',
      cancel: 'Cancel',
      again: 'Try again',
      next: 'Next customer',
      startWallet: 'Start the check',
      step1: 'The clerk presses this button',
      step2: "The browser then shows its own code: the customer scans it with the phone's camera and confirms in Apple\u00a0Wallet or Google\u00a0Wallet",
      otherApps: 'Other apps',
      scanApp: 'Customers with another ID app: scan this QR code in the app',
      qrLabelApp: 'QR code for ID apps',
      scanAppOnly: 'Customers with an ID app: scan this QR code in the app',
      noDcApi: 'Apple\u00a0Wallet and Google\u00a0Wallet cannot be used from this browser. They work from Chrome or Edge (141 or later) and Safari on a Mac (26 or later).',
      purposeAt: '{purpose} ({place})',
      placeJoin: ' or ',
      residentOf: 'Resident of {place}',
      notResidentOf: 'Not a resident of {place}',
      unverified: 'Could not verify',
      nextDocument: 'Please ask for another identity document.',
      againDocument: 'Check another document',
      errorCode: 'Error code: {code}',
      wrongKey: "This screen's API key is wrong. Ask your administrator for the right key.",
      enterKey: 'Enter the API key again',
      offlineStart: 'No network connection. Check the connection, then try again.',
      startFailed: 'The check could not start. Please try again.',
      reconnecting: 'Reconnecting to the service…',
      reconnectingQr: 'This QR code cannot be used until the connection is back',
      lost: 'This check is no longer valid',
      lostReason: 'The service no longer knows this check. Please start a new one.',
      newCheck: 'Start a new check',
      walletFailed: 'The phone\'s answer did not reach the service. Press "Start the check" again.',
      ok: 'Verified',
      ng: 'Not verified',
      expired: 'Timed out',
      declined: 'Cancelled on the phone',
      walletError: 'The wallet could not answer',
      cancelledHere: 'Check cancelled',
      over: '{n} or over',
      notOver: 'Under {n}',
      resident: 'Resident',
      notResident: 'Not a resident',
      identity: 'Identity verified',
      name: 'Name',
      address: 'Address',
      birthDate: 'Date of birth',
      portrait: 'Portrait (to compare; not stored)',
      apiKey: 'Enter the API key',
      error: 'The check could not start',
      tryAgain: 'Please try again.',
      busy: 'The service is busy. Please wait a moment and try again.',
      offline: 'No network connection',
      configFailed: 'The settings could not be loaded. Check the network and reload.',
      reload: 'Reload',
      merchantTitle: 'kakunin — Checkout demo',
      cart: 'Your order',
      item: 'Sake 720 ml',
      pay: 'Check age and buy',
      openWallet: 'Open in your wallet app',
      receipt: 'For developers: verification receipt (signed)',
      thanks: 'Thank you for your purchase',
      refused: 'We cannot sell this to customers under 20',
      waitDcApi: "Press the button below: your browser asks your phone's wallet (Apple\u00a0Wallet or Google\u00a0Wallet) to confirm your age.",
      waitLink: 'Press "Open in your wallet app" and confirm your age there. You come back to this page when it is done.',
      noWalletApp: 'If no wallet app opens, this phone has no app that can answer. Open this page in Chrome (141 or later) or Safari (26 or later), or on a computer.',
      answering: 'Your wallet is answering…',
      answerNotTaken: 'That did not go through. Please try again.',
      thanksNext: 'Your order is placed. You may close this page.',
      refusedNext: 'Your order was not placed and nothing was charged.',
      pressAgain: 'To buy, press "Check age and buy" again.',
      otherDocument: 'This document cannot be used. Please try again with another identity document.',
      gone: 'This check is no longer valid',
      codeRefused: 'The check the wallet sent you back with could not be accepted.',
      doneElsewhere: 'Your wallet is done. Go back to the screen where you started the check.',
      testBanner: 'TEST MODE: Apple test IDs are accepted. Nothing checked here is an identity',
      testMark: 'TEST',
      testId: 'An Apple test ID: the device signature was checked; no issuer signed it. Not an identity.',
      testSale: 'TEST: nothing was sold ({decision}).',
      sentenceGap: ' ',
    },
  };
  var lang = localStorage.getItem('kakunin.lang') || ((navigator.language || 'en').toLowerCase().startsWith('ja') ? 'ja' : 'en');
  function t(key, vars) {
    var s = (WORDS[lang] && WORDS[lang][key]) || WORDS.en[key] || key;
    Object.keys(vars || {}).forEach(function (k) {
      s = s.replace('{' + k + '}', vars[k]);
    });
    return s;
  }
  /** A full-date (YYYY-MM-DD) as people write it: 1990年4月1日 / 1 April 1990. */
  function date(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
    if (!m) return String(value);
    var d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(d);
  }
  /*
   * Japanese breaks lines at phrase boundaries (文節), never inside a word: CSS `word-break:
   * auto-phrase` where the browser has it (Chromium 119+); elsewhere (Safari on a counter's iPad,
   * Firefox) BudouX, loaded only there, whose <budoux-ja> element marks the boundaries.
   */
  var autoPhrase = !!(global.CSS && global.CSS.supports && global.CSS.supports('word-break', 'auto-phrase'));
  if (!autoPhrase && global.customElements && !global.customElements.get('budoux-ja')) {
    var script = document.createElement('script');
    script.src = 'vendor/budoux-ja.min.js';
    document.head.appendChild(script);
  }
  /** Puts `text` into `el`, phrase-broken when it is Japanese and the browser needs BudouX. */
  function put(el, text) {
    if (lang !== 'ja' || autoPhrase || !global.customElements) {
      el.textContent = text;
      return;
    }
    var phrases = document.createElement('budoux-ja');
    phrases.textContent = text;
    el.replaceChildren(phrases);
  }
  function apply() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (el) {
      put(el, t(el.getAttribute('data-i18n')));
    });
  }
  function setLang(l) {
    lang = l;
    localStorage.setItem('kakunin.lang', l);
    apply();
    if (global.onLanguageChange) global.onLanguageChange();
  }
  /** Who ended a declined check, as its headline says it (the wallet's own code is in the reason). */
  var DECLINED_BY = { WALLET_ERROR: 'walletError', CANCELLED_BY_VERIFIER: 'cancelledHere' };
  function declined(reason) {
    return t((reason && DECLINED_BY[reason.code]) || 'declined');
  }
  global.I18n = {
    t: t,
    put: put,
    date: date,
    apply: apply,
    setLang: setLang,
    declined: declined,
    get lang() {
      return lang;
    },
  };
})(window);
