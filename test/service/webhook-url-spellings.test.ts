/**
 * The webhook URL check at create time says no to every spelling of a loopback, private or reserved
 * address: IPv4 in decimal, octal, hex and short forms (URL parsing makes those canonical), IPv6
 * compressed and in full, and IPv6 forms that carry an IPv4 address (mapped, translated,
 * compatible, 6to4), NAT64 and Teredo. Public addresses in the same spellings pass.
 */
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl } from '../../src/service/webhooks/ssrf.js';

const verdict = (host: string, policy = {}): string => {
  try {
    checkWebhookUrl(`https://${host}/hook`, policy);
    return 'allowed';
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    return code === 'WEBHOOK_URL_BLOCKED' ? (/(loopback|private|reserved|not an IP)/.exec(message)?.[1] ?? message) : `${code}: ${message}`;
  }
};

const loopback = [
  '127.0.0.1',
  '127.1',
  '127.0.1',
  '2130706433',
  '0x7f000001',
  '0x7f.0.0.1',
  '0177.0.0.1',
  '017700000001',
  '127.255.255.254',
  'localhost',
  'LOCALHOST',
  'localhost.',
  'api.localhost',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[0000:0000:0000:0000:0000:0000:0000:0001]',
  '[::127.0.0.1]',
  '[::7f00:1]',
  '[::127.1.2.3]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[0:0:0:0:0:ffff:7f00:1]',
  '[::FFFF:7F00:1]',
  '[::ffff:0:7f00:1]',
  '[::ffff:0:127.0.0.1]',
  '[0:0:0:0:ffff:0:7f00:1]',
  '[2002:7f00:1::]',
  '[2002:7f00:0001:0:0:0:0:1]',
];
const privateRanges = [
  '10.0.0.1',
  '10.1',
  '0xa000001',
  '012.0.0.1',
  '167772161',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.0.1',
  '0xc0a80001',
  '169.254.169.254',
  '0xa9fea9fe',
  '[fd00::1]',
  '[fc00::]',
  '[FDFF:FFFF::1]',
  '[fe80::1]',
  '[febf::1]',
  '[fec0::1]',
  '[::10.0.0.1]',
  '[::a00:1]',
  '[::ffff:10.0.0.1]',
  '[::ffff:a00:1]',
  '[::ffff:0:a00:1]',
  '[::ffff:192.168.1.1]',
  '[::ffff:169.254.169.254]',
  '[::ffff:0:a9fe:a9fe]',
  '[2002:a00:1::]',
  '[2002:c0a8:101::1]',
  '[2002:a9fe:a9fe::]',
];
const reserved = [
  '0.0.0.0',
  '0',
  '0x0',
  '100.64.0.1',
  '192.0.0.1',
  '192.0.2.1',
  '198.18.0.1',
  '198.51.100.1',
  '203.0.113.1',
  '224.0.0.1',
  '240.0.0.1',
  '255.255.255.255',
  '192.88.99.1',
  '[::]',
  '[0:0:0:0:0:0:0:0]',
  '[ff02::1]',
  '[2001:db8::1]',
  '[64:ff9b::7f00:1]',
  '[64:ff9b::8.8.8.8]',
  '[64:ff9b:1::1]',
  '[2001:0:4136:e378:8000:63bf:3fff:fdd2]',
  '[100::1]',
  '[::ffff:0.0.0.0]',
  '[::ffff:0:0]',
  '[::0.0.0.2]',
  '[2002::]',
  '[::ffff:224.0.0.1]',
];
const publicAddresses = ['8.8.8.8', '134744072', '0x8080808', '[2001:4860:4860::8888]', '[::ffff:8.8.8.8]', '[::ffff:808:808]', '[2002:808:808::1]', 'hooks.example.com', 'localhost.example.com'];

describe('webhook_url at create: every spelling of a refused address', () => {
  it.each(loopback)('%s is loopback', (host) => expect(verdict(host)).toBe('loopback'));
  it.each(privateRanges)('%s is private', (host) => expect(verdict(host)).toBe('private'));
  it.each(reserved)('%s is reserved, whatever the policy allows', (host) => expect(verdict(host, { allowLoopback: true, allowPrivate: true })).toBe('reserved'));
  it.each(publicAddresses)('%s is allowed', (host) => expect(verdict(host)).toBe('allowed'));

  it('the operator may allow loopback and private ranges, in every spelling', () => {
    for (const host of loopback) expect({ host, v: verdict(host, { allowLoopback: true }) }).toEqual({ host, v: 'allowed' });
    for (const host of privateRanges) expect({ host, v: verdict(host, { allowPrivate: true }) }).toEqual({ host, v: 'allowed' });
  });
});
