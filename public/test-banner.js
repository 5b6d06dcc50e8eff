/* Every page says TEST, all the time, when the service answers Apple's test IDs (sandbox only):
 * nothing checked on it is an identity, and a screenshot of it must not pass for one. */
(function () {
  'use strict';
  fetch('/v1/config')
    .then(function (r) {
      return r.ok ? r.json() : {};
    })
    .then(function (config) {
      if (!config.test_ids) return;
      // A landmark of its own (complementary), so nothing on the page sits outside one.
      var banner = document.createElement('aside');
      banner.className = 'test-banner';
      banner.dataset.i18n = 'testBanner';
      I18n.put(banner, I18n.t('testBanner'));
      document.body.insertBefore(banner, document.body.firstChild);
      document.body.classList.add('test-ids');
      // The page starts below the banner, however many lines the language and the width give it.
      var fit = function () {
        document.body.style.setProperty('--test-banner', banner.offsetHeight + 'px');
      };
      fit();
      if (window.ResizeObserver) new ResizeObserver(fit).observe(banner);
    })
    .catch(function () {});
})();
