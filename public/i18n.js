/* The pages' words in Japanese and English. The browser's language chooses; the switch overrides it. */
(function (global) {
  'use strict';
  var WORDS = {
    ja: {
      title: '確認 — 窓口', choose: '確認する内容を選んでください', waiting: 'お客様のウォレットを待っています…',
      retrieved: 'ウォレットが要求を受け取りました…', scan: 'スマートフォンのウォレットでQRコードを読み取ってください',
      browserWallet: 'このブラウザのウォレットを使う', sandboxWallet: 'サンドボックスのウォレットで応答', cancel: 'やめる',
      next: '次のお客様', ok: '確認できました', ng: '確認できません', expired: '時間切れです。もう一度お試しください。',
      over: '{n}歳以上です', notOver: '{n}歳未満です', resident: '住民です', notResident: '住民ではありません',
      identity: '本人確認ができました', apiKey: 'APIキーを入力してください', error: 'エラーが発生しました',
      merchantTitle: '確認 — お買い物デモ', cart: 'ご注文', item: '日本酒 720ml', pay: '年齢を確認して購入',
      receipt: '確認の控え（署名付き）', thanks: 'ご購入ありがとうございます', refused: '20歳未満の方には販売できません',
    },
    en: {
      title: 'kakunin — Counter', choose: 'Choose what to check', waiting: "Waiting for the customer's wallet…",
      retrieved: 'The wallet has the request…', scan: "Scan the QR code with your phone's wallet",
      browserWallet: "Use this browser's wallet", sandboxWallet: 'Answer with the sandbox wallet', cancel: 'Cancel',
      next: 'Next customer', ok: 'Verified', ng: 'Not verified', expired: 'Timed out. Please try again.',
      over: '{n} or over', notOver: 'Under {n}', resident: 'Resident', notResident: 'Not a resident',
      identity: 'Identity verified', apiKey: 'Enter the API key', error: 'Something went wrong',
      merchantTitle: 'kakunin — Checkout demo', cart: 'Your order', item: 'Sake 720 ml', pay: 'Check age and buy',
      receipt: 'Verification receipt (signed)', thanks: 'Thank you for your purchase', refused: 'We cannot sell this to customers under 20',
    },
  };
  /* Reasons in plain words, by failure code. */
  var REASONS = {
    ja: {
      ISSUER_CERT_UNTRUSTED: '発行元を確認できません', ISSUER_NOT_ACCEPTED: 'この確認では受け付けていない発行元です',
      ISSUER_SIGNATURE_INVALID: '署名が正しくありません', DIGEST_MISMATCH: 'データが改ざんされています',
      MSO_EXPIRED: '証明書の有効期限が切れています', ISSUER_CERT_EXPIRED: '発行元の証明書の期限が切れています',
      DEVICE_AUTH_INVALID: 'この端末からの提示ではありません', DOCUMENT_NOT_ACCEPTED: 'この確認では使えない書類です',
      ELEMENT_MISSING: '必要な情報が提示されませんでした', STATUS_REVOKED: '失効した書類です',
      ELEMENT_NOT_REQUESTED: '要求していない情報が含まれています', CBOR_MALFORMED: '応答を読み取れません',
    },
    en: {
      ISSUER_CERT_UNTRUSTED: 'The issuer is not trusted', ISSUER_NOT_ACCEPTED: 'This check does not accept that issuer',
      ISSUER_SIGNATURE_INVALID: 'The signature is not valid', DIGEST_MISMATCH: 'The data was altered',
      MSO_EXPIRED: 'The credential has expired', ISSUER_CERT_EXPIRED: "The issuer's certificate has expired",
      DEVICE_AUTH_INVALID: 'Not presented by the holder’s device', DOCUMENT_NOT_ACCEPTED: 'This document is not accepted here',
      ELEMENT_MISSING: 'The wallet did not share what was needed', STATUS_REVOKED: 'The document was revoked',
      ELEMENT_NOT_REQUESTED: 'The answer holds data that was not asked for', CBOR_MALFORMED: 'The answer could not be read',
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
  function reason(code) {
    return (REASONS[lang] && REASONS[lang][code]) || code;
  }
  function apply() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
  }
  function setLang(l) {
    lang = l;
    localStorage.setItem('kakunin.lang', l);
    apply();
    if (global.onLanguageChange) global.onLanguageChange();
  }
  global.I18n = { t: t, reason: reason, apply: apply, setLang: setLang, get lang() { return lang; } };
})(window);
