import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../vectors/', import.meta.url));

export function vector(dir: string, file: string): Buffer {
  return readFileSync(`${root}${dir}/${file}`);
}
export function vectorText(dir: string, file: string): string {
  return vector(dir, file).toString('utf8').trim();
}
export function vectorHex(dir: string, file: string): Uint8Array {
  return new Uint8Array(Buffer.from(vectorText(dir, file), 'hex'));
}
export function vectorJson<T = any>(dir: string, file: string): T {
  return JSON.parse(vectorText(dir, file)) as T;
}
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
