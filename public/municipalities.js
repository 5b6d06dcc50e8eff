/*
 * 全国地方公共団体コード (JIS X 0401 prefectures, JIS X 0402 municipalities with the check digit), for
 * showing a residency answer as a place: "千代田区 (131016)".
 * Source: 総務省「全国地方公共団体コード」 (https://www.soumu.go.jp/denshijiti/code.html), entries
 * typed from the published list on 2026-11-25. Shipped: the 47 prefectures and Tokyo's 23 special
 * wards. Not shipped: the other ~1,700 municipalities (their codes show as the prefecture and the
 * code). test/browser/municipalities.test.ts checks every check digit.
 */
(function (global) {
  'use strict';
  var PREFECTURES = ['北海道|Hokkaido', '青森県|Aomori', '岩手県|Iwate', '宮城県|Miyagi', '秋田県|Akita', '山形県|Yamagata', '福島県|Fukushima', '茨城県|Ibaraki', '栃木県|Tochigi', '群馬県|Gunma', '埼玉県|Saitama', '千葉県|Chiba', '東京都|Tokyo', '神奈川県|Kanagawa', '新潟県|Niigata', '富山県|Toyama', '石川県|Ishikawa', '福井県|Fukui', '山梨県|Yamanashi', '長野県|Nagano', '岐阜県|Gifu', '静岡県|Shizuoka', '愛知県|Aichi', '三重県|Mie', '滋賀県|Shiga', '京都府|Kyoto', '大阪府|Osaka', '兵庫県|Hyogo', '奈良県|Nara', '和歌山県|Wakayama', '鳥取県|Tottori', '島根県|Shimane', '岡山県|Okayama', '広島県|Hiroshima', '山口県|Yamaguchi', '徳島県|Tokushima', '香川県|Kagawa', '愛媛県|Ehime', '高知県|Kochi', '福岡県|Fukuoka', '佐賀県|Saga', '長崎県|Nagasaki', '熊本県|Kumamoto', '大分県|Oita', '宮崎県|Miyazaki', '鹿児島県|Kagoshima', '沖縄県|Okinawa'];
  var MUNICIPALITIES = {
    '131016': '千代田区|Chiyoda', '131024': '中央区|Chuo', '131032': '港区|Minato', '131041': '新宿区|Shinjuku', '131059': '文京区|Bunkyo',
    '131067': '台東区|Taito', '131075': '墨田区|Sumida', '131083': '江東区|Koto', '131091': '品川区|Shinagawa', '131105': '目黒区|Meguro',
    '131113': '大田区|Ota', '131121': '世田谷区|Setagaya', '131130': '渋谷区|Shibuya', '131148': '中野区|Nakano', '131156': '杉並区|Suginami',
    '131164': '豊島区|Toshima', '131172': '北区|Kita', '131181': '荒川区|Arakawa', '131199': '板橋区|Itabashi', '131202': '練馬区|Nerima',
    '131211': '足立区|Adachi', '131229': '葛飾区|Katsushika', '131237': '江戸川区|Edogawa',
  };
  /** The check digit of a 5-digit code: 11 minus the weighted sum (6,5,4,3,2) mod 11, its last digit
   * (so 10 gives 0 and 11 gives 1: 13113 渋谷区 -> 131130, 13118 荒川区 -> 131181). */
  function checkDigit(five) {
    var sum = 0;
    for (var i = 0; i < 5; i++) sum += Number(five[i]) * (6 - i);
    return (11 - (sum % 11)) % 10;
  }
  function pick(entry) {
    var parts = entry.split('|');
    return global.I18n && global.I18n.lang === 'en' ? parts[1] : parts[0];
  }
  /** "千代田区 (131016)"; a code not in the table: "東京都 (131999)"; not a code: as it is. */
  function describe(code) {
    var six = /^\d{5}$/.test(code) ? code + checkDigit(code) : code;
    if (!/^\d{6}$/.test(six)) return code;
    var name = MUNICIPALITIES[six];
    if (name) return pick(PREFECTURES[Number(six.slice(0, 2)) - 1]) + ' ' + pick(name) + ' (' + six + ')';
    var pref = PREFECTURES[Number(six.slice(0, 2)) - 1];
    return (pref ? pick(pref) + ' ' : '') + '(' + six + ')';
  }
  global.Municipalities = { describe: describe, checkDigit: checkDigit, codes: function () { return Object.keys(MUNICIPALITIES); } };
})(window);
