/**
 * 番号法: a purpose that asks for the My Number (individual_number_unicode) needs a declared legal
 * basis, or the service does not start; the built-in purposes never ask for it.
 */
import { describe, expect, it } from 'vitest';
import { asksForMyNumber, parsePurposesConfig, presetPurposes } from '../../src/policy/index.js';
import { startServe } from '../../src/service/startup/serve.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturingLogger, freePort } from '../service/helpers.js';

const asking = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ purposes: [{ name: 'payroll', kind: 'elements', documents: { mnc: { 'org.iso.23220.1.jp': { individual_number_unicode: true, full_name_unicode: false } } }, ...extra }] });
const BASIS = '番号法第9条第3項・所得税法第226条: 給与所得の源泉徴収票の作成（個人番号関係事務）';

describe('the My Number is never asked for by accident', () => {
  it('the built-in purposes never ask for it', () => {
    for (const p of presetPurposes().values()) expect(asksForMyNumber(p), p.name).toBe(false);
    for (const p of presetPurposes({ municipalities: ['131016', '131130'] }).values()) expect(asksForMyNumber(p), p.name).toBe(false);
  });

  it('a purposes file that asks for it without a legal basis is refused, naming the element and the law', () => {
    expect(() => parsePurposesConfig(asking(), 'purposes.json')).toThrow(
      /purposes\.json: \/purposes\/0 \(payroll\): asks for org\.iso\.23220\.1\.jp\/individual_number_unicode \(個人番号, the My Number\): 番号法/,
    );
    // A token gesture is not a declaration.
    expect(() => parsePurposesConfig(asking({ legalBasis: 'law' }), 'purposes.json')).toThrow(/legalBasis must NOT have fewer than 20 characters/);
  });

  it('with a declared legal basis it is accepted, and the service logs the declaration at start', async () => {
    const purposes = parsePurposesConfig(asking({ legalBasis: BASIS }), 'purposes.json');
    expect(purposes.get('payroll')!.legalBasis).toBe(BASIS);
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-mynumber-'));
    writeFileSync(join(dir, 'purposes.json'), asking({ legalBasis: BASIS }));
    const log = capturingLogger();
    const svc = await startServe(['--port', String(await freePort()), '--api-keys', 'k-0123456789abcdef0123-QwErTyUiOpA', '--purposes', join(dir, 'purposes.json')], { env: {}, logger: log.logger });
    try {
      const line = log.lines.map((l) => JSON.parse(l)).find((l) => l.purpose === 'payroll' && l.legalBasis);
      expect(line).toMatchObject({ legalBasis: BASIS, msg: expect.stringContaining('My Number') });
    } finally {
      await svc.close();
    }
    writeFileSync(join(dir, 'purposes.json'), asking());
    await expect(
      startServe(['--port', String(await freePort()), '--api-keys', 'k-0123456789abcdef0123-QwErTyUiOpA', '--purposes', join(dir, 'purposes.json')], { env: {}, logger: log.logger }),
    ).rejects.toThrow(/番号法/);
  });
});
