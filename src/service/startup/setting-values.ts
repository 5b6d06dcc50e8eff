/**
 * What a setting's text becomes in the configuration where that is more than its schema's value (a
 * key's bytes, Express's `trust proxy`, a URL without its trailing slash): the `to` of its row in the
 * settings table. Each refuses what it cannot use with a ConfigError naming the setting, as the
 * schema check does.
 */
import { isIP } from 'node:net';
import { ConfigError } from './config-error.js';
import { parseStoreKey } from '../store/store-cipher.js';

/** The setting a value belongs to, as its messages name it. */
export interface SettingNamed {
  flag: string;
  env: string;
  /** What the value must be (the row's `must`). */
  must?: string;
}

/** A 32-byte key (KAKUNIN_STORE_KEY, KAKUNIN_BINDING_KEY): the schema checks its 43 characters, this its bytes. */
export function keyBytesOf(text: string, setting: SettingNamed): Uint8Array {
  const key = parseStoreKey(text);
  if (!key) throw new ConfigError(`${setting.env} (or --${setting.flag}) must be ${setting.must}`);
  return key;
}

/** Wallets only talk to https verifiers; plain http is for this machine. */
export function publicUrlOf(value: string, setting: SettingNamed): string {
  const publicUrl = value.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ConfigError(`--${setting.flag} / ${setting.env} is not a URL: "${publicUrl}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError(`--${setting.flag} / ${setting.env} must be https (http only for localhost), got "${publicUrl}"`);
  }
  return publicUrl;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** What KAKUNIN_TRUST_PROXY accepts, in its message: exactly what trustProxyOf takes. */
export const TRUST_PROXY_MUST = 'false or true (any case), a hop count 0..99, or comma-separated loopback, linklocal, uniquelocal, IP addresses and IP/bits or IP/netmask subnets';

/** KAKUNIN_TRUST_PROXY: unset or false, true (every peer: only behind a proxy that overwrites the
 * header), a hop count, or addresses/subnets/names Express knows (loopback, 10.0.0.0/8, ...). Anything
 * else is refused here, naming the setting: Express would only throw "invalid IP address" later,
 * when the app is made (and `kakunin check` makes none). */
export function trustProxyOf(value: string, setting: SettingNamed): boolean | number | string {
  if (value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const wrong = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => !isProxyAddress(item));
  if (wrong.length) throw new ConfigError(`--${setting.flag} / ${setting.env} must be ${setting.must}, got "${wrong.join(', ')}"`);
  return value;
}

/** What Express (proxy-addr) takes in a trust list: loopback, linklocal, uniquelocal, an IP, IP/bits or IP/netmask. */
function isProxyAddress(item: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return true;
  const [address, range, ...rest] = item.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}
