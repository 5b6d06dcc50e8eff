import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/cli/verify.js';
import { VECTORS } from '../helpers/vectors.js';
import { dockerRunOptions, outputPattern, readmeBlocks, RUNNABLE } from '../helpers/readme-blocks.js';
import { freePort } from '../service/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const A = `${VECTORS}iso18013-5-annexD-multipaz/`;
const UTOPIA = `${VECTORS}iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem`;
const annexDArgs = [`${A}device_response.hex`, '--transcript', `${A}session_transcript_bytes.hex`, '--reader-key', `${A}ephemeral_reader_key_d.hex`, '--trust', UTOPIA];

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runVerify(args, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') });
  return { code, out, err };
}

describe('kakunin verify', () => {
  it('exits 0 with a readable summary for a valid response', async () => {
    const r = await run([...annexDArgs, '--at', '2021-01-07T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^DeviceResponse: VALID \(1 document\)/);
    expect(r.out).toContain('[ok  ] device_authentication: deviceMac');
    expect(r.out).not.toContain('Doe'); // values only in --json
  });

  it('prints the documented JSON and exits 1 when invalid', async () => {
    const r = await run([...annexDArgs, '--at', '2026-11-21T00:00:00Z', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['valid', 'documents', 'errors']);
    expect(j.valid).toBe(false);
    expect(j.documents[0]).toMatchObject({ docType: 'org.iso.18013.5.1.mDL', valid: false, issuer: { subject: 'CN=utopia ds, C=US' } });
    expect(j.documents[0].elements.issuerSigned['org.iso.18013.5.1'].family_name).toBe('Doe');
    expect(j.documents[0].elements.issuerSigned['org.iso.18013.5.1'].portrait.bytes).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(j.documents[0].checks[0]).toEqual({ check: 'issuer_certificate_chain', status: 'fail', code: 'ISSUER_CERT_EXPIRED', message: expect.any(String) });
    // Every failed check's code is in errors.
    const failed = j.documents[0].checks.filter((c: { status: string }) => c.status !== 'pass').map((c: { code: string }) => c.code);
    expect(j.errors.map((e: { code: string }) => e.code)).toEqual(failed);
  });

  it('reads raw CBOR and base64url as well as hex, and a transcript without the tag-24 wrapper', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cli-'));
    const { readFileSync } = await import('node:fs');
    const hexText = readFileSync(`${A}device_response.hex`, 'utf8').trim();
    writeFileSync(join(dir, 'r.cbor'), Buffer.from(hexText, 'hex'));
    writeFileSync(join(dir, 'r.b64u'), Buffer.from(hexText, 'hex').toString('base64url'));
    const st = Buffer.from(readFileSync(`${A}session_transcript_bytes.hex`, 'utf8').trim(), 'hex');
    writeFileSync(join(dir, 'st.cbor'), st.subarray(5)); // strip d8 18 59 xx xx
    for (const f of ['r.cbor', 'r.b64u']) {
      const r = await run([join(dir, f), '--transcript', join(dir, 'st.cbor'), '--reader-key', `${A}ephemeral_reader_key_d.hex`, '--trust', UTOPIA, '--at', '2021-01-07T00:00:00Z']);
      expect(r.code).toBe(0);
    }
  });

  it('reports CBOR_MALFORMED for garbage and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cli-'));
    writeFileSync(join(dir, 'bad.bin'), Buffer.from([0xa1, 0x61, 0x61]));
    const r = await run([join(dir, 'bad.bin'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).errors[0].code).toBe('CBOR_MALFORMED');
  });

  it('exits 2 on usage errors and unreadable files', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['/nonexistent/file'])).code).toBe(2);
    expect((await run([...annexDArgs, '--at', 'yesterday'])).code).toBe(2);
    expect((await run([...annexDArgs, '--bogus'])).code).toBe(2);
    expect((await run([`${A}device_response.hex`, '--trust', '/nonexistent'])).code).toBe(2);
    const r = await run([`${A}device_response.hex`, '--reader-key', `${A}device_response.hex`]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a P-256 private key/);
  });

  it('a --trust folder with a garbage file still verifies with the good IACA, naming the skipped file on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cli-trust-'));
    const { readFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'utopia.pem'), readFileSync(UTOPIA));
    const args = annexDArgs.slice(0, -1);
    const r = await run([...args, dir, '--at', '2021-01-07T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/kakunin: trust: skipped .*broken\.pem: .*not a readable X\.509 certificate/);
    // Only garbage: no anchor at all is a usage error.
    const only = mkdtempSync(join(tmpdir(), 'kakunin-cli-trust-'));
    writeFileSync(join(only, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const none = await run([...args, only, '--at', '2021-01-07T00:00:00Z']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/broken\.pem/);
    expect(none.err).toMatch(/no trust anchor in/);
  });
});

describe('the installed command (bin/kakunin.js on the compiled build)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'pipe' });
  }, 120_000);

  it('verifies the Annex D example and exits 0', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/kakunin.js'), 'verify', ...annexDArgs, '--at', '2021-01-07T00:00:00Z'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/VALID/);
  });

  it('uses the shipped production trust sets by default (Annex D is a test root: untrusted)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/kakunin.js'), 'verify', `${A}device_response.hex`, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toContain('ISSUER_CERT_UNTRUSTED');
  });

  it("kakunin demo started from an empty folder uses the package's own trust sets and answers", async () => {
    const { spawn } = await import('node:child_process');
    const { freePort } = await import('../service/helpers.js');
    const port = await freePort();
    const empty = mkdtempSync(join(tmpdir(), 'kakunin-empty-'));
    const child = spawn(process.execPath, [join(ROOT, 'bin/kakunin.js'), 'demo', '--port', String(port)], { cwd: empty, env: { ...process.env, LOG_LEVEL: 'silent' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    try {
      const started = Date.now();
      while (!out.includes('kakunin demo is running') && child.exitCode === null && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
      expect(err).toBe('');
      expect(out).toContain('kakunin demo is running');
      const config = await fetch(`http://127.0.0.1:${port}/v1/config`);
      expect(config.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('the build ships no source maps (the package carries no sources for them to point at)', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(join(ROOT, 'dist'), { recursive: true }).map(String);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  describe('the packed package in an empty folder (npm install kakunin), installed with production dependencies only as the image runs it', () => {
    let dir = '';
    let installed = '';
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'kakunin-package-'));
      // The build above is what is packed (no second build racing it: --ignore-scripts).
      execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' });
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true }));
      execFileSync(npm, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', `./${tarball}`], { cwd: dir, stdio: 'pipe' });
      installed = join(dir, 'node_modules/kakunin');
    }, 240_000);

    it('serves, with types for library users, no source maps and no dev dependency', async () => {
      expect(existsSync(join(installed, 'dist/index.d.ts'))).toBe(true);
      expect(
        readdirSync(join(installed, 'dist'), { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.map')),
      ).toEqual([]);
      expect(existsSync(join(dir, 'node_modules/vitest'))).toBe(false);
      expect(existsSync(join(dir, 'node_modules/tsx'))).toBe(false);

      const port = await freePort();
      const child = spawn(
        process.execPath,
        [join(installed, 'bin/kakunin.js'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--api-keys', 'k-0123456789abcdef01-QwErTyUiOpAsD', '--revocation', 'off'],
        {
          cwd: dir,
          env: { PATH: process.env.PATH, LOG_LEVEL: 'warn' },
        },
      );
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      try {
        let health = 0;
        for (let i = 0; i < 100 && health !== 200 && child.exitCode === null; i++) {
          health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.status,
            () => 0,
          );
          if (health !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(err).toBe('');
        expect(health).toBe(200);
        const created = await fetch(`http://127.0.0.1:${port}/v1/verifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer k-0123456789abcdef01-QwErTyUiOpAsD' },
          body: JSON.stringify({ purpose: 'age_over' }),
        });
        expect(created.status).toBe(201);
      } finally {
        child.kill('SIGTERM');
      }
    }, 60_000);

    it("runs every README command and code block meant to be run, in the package's own README; the others say why not", async () => {
      const readme = readFileSync(join(installed, 'README.md'), 'utf8');
      const blocks = readmeBlocks(readme);
      // The demo the HTTP examples talk to, started from the package as a user would (port 8080 may be taken here).
      const port = await freePort();
      const demo = spawn(process.execPath, [join(installed, 'bin/kakunin.js'), 'demo', '--port', String(port)], { cwd: dir, env: { PATH: process.env.PATH, LOG_LEVEL: 'silent' } });
      const ran: string[] = [];
      try {
        let out = '';
        demo.stdout.on('data', (d) => (out += d));
        for (let i = 0; i < 300 && !out.includes('kakunin demo is running') && demo.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
        expect(out).toContain('kakunin demo is running');
        const shell = {
          cwd: dir,
          encoding: 'utf8' as const,
          timeout: 60_000,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
        };
        let previous: { line: number; stdout: string } | undefined;
        for (const [index, block] of blocks.entries()) {
          const where = `README.md line ${block.line} (${block.lang || 'plain'})`;
          if (block.marker?.kind === 'readme-output') {
            expect(previous, `${where}: output of which block?`).toBeDefined();
            expect(previous!.stdout, `${where}: what the block at line ${previous!.line} prints`).toBe(block.code);
            continue;
          }
          if (!RUNNABLE.has(block.lang)) continue;
          if (block.marker?.kind === 'readme-run') {
            const reason = /^skip: (.{30,})$/s.exec(block.marker.value)?.[1];
            expect(reason, `${where}: readme-run needs "skip: <why, 30+ characters>"`).toBeDefined();
            for (const file of reason!.match(/test\/[\w/.-]+\.ts/g) ?? []) expect(existsSync(join(ROOT, file)), `${where}: ${file}`).toBe(true);
            if (block.code.includes('docker run ')) dockerRunStarts(block.code);
            continue;
          }
          if (block.marker?.kind === 'readme-snippet') {
            // Page code: test/browser/readme-checkout.test.ts serves these blocks as a shop and buys with them.
            expect(readFileSync(join(ROOT, 'test/browser/readme-checkout.test.ts'), 'utf8')).toContain(`'${block.marker.value}'`);
            continue;
          }
          if (block.lang === 'sh' || block.lang === 'bash') {
            const r = spawnSync('bash', ['-e', '-c', block.code.replaceAll('http://localhost:8080', `http://127.0.0.1:${port}`)], shell);
            expect(r.stderr, where).toBe('');
            expect(r.status, `${where}\n${r.stdout}`).toBe(0);
            if (block.marker?.kind === 'readme-example') {
              // An HTTP example: its answer has the keys of the example block after it.
              const shown = JSON.parse(blocks[index + 1].code) as object;
              expect(Object.keys(JSON.parse(r.stdout) as object).sort(), where).toEqual(Object.keys(shown).sort());
            }
            previous = { line: block.line, stdout: r.stdout };
          } else {
            // JavaScript: an ES module next to node_modules/kakunin, its last comment what it prints.
            const file = join(dir, `readme-${block.line}.mjs`);
            writeFileSync(file, block.code);
            const r = spawnSync(process.execPath, [file], shell);
            expect(r.stderr, where).toBe('');
            expect(r.status, where).toBe(0);
            const printed = /\n\/\/ ([^\n]*)\n$/.exec(block.code)?.[1];
            expect(printed, `${where}: ends with a comment saying what it prints`).toBeDefined();
            expect(r.stdout.replace(/\s+/g, ' ').trim(), where).toMatch(outputPattern(printed!));
            previous = { line: block.line, stdout: r.stdout };
          }
          ran.push(where);
        }
      } finally {
        demo.kill('SIGTERM');
      }
      // The verify example, the HTTP example, the library example and keys init at least.
      expect(ran.length).toBeGreaterThanOrEqual(4);

      /** The docker run line, without Docker: the image's settings plus the line's variables and files make `kakunin check serve` pass. */
      function dockerRunStarts(block: string) {
        const { env, volumes, envFiles } = dockerRunOptions(block);
        const image = Object.fromEntries([...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^\s+(\w+)=(\S+?)\s*\\?$/gm)].map((m) => [m[1], m[2]]));
        expect(Object.keys(image)).toEqual(expect.arrayContaining(['KAKUNIN_MODE', 'HOST', 'PORT', 'KAKUNIN_TRUST_DIR']));
        const fromFiles = Object.fromEntries(
          envFiles.flatMap((f) =>
            readFileSync(join(dir, f), 'utf8')
              .split('\n')
              .filter((l) => /^\w+=/.test(l))
              .map((l) => l.split(/=(.*)/s).slice(0, 2)),
          ),
        );
        // Container paths back to what is mounted there ($PWD is the folder keys init ran in).
        const local = (value: string) => volumes.reduce((v, [host, container]) => (v === container ? host.replace('$PWD', dir) : v), value);
        const variables = Object.fromEntries(Object.entries({ ...image, ...fromFiles, ...env }).map(([k, v]) => [k, local(String(v))]));
        variables.KAKUNIN_TRUST_DIR = join(installed, 'certs'); // the image's /app/certs is the package's certs/
        variables.PORT = '0';
        const r = spawnSync(process.execPath, [join(installed, 'bin/kakunin.js'), 'check'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, ...variables } });
        expect(r.stdout).toContain('kakunin check (serve): the start would go ahead');
        expect(r.stdout).toMatch(/ok: +verifier certificate \S+verifier\.pem/);
        expect(r.stdout).toMatch(/ok: +receipt key \S+receipt\.pem/);
        expect(r.status).toBe(0);
      }
    }, 240_000);

    it('kakunin/service and kakunin/sandbox import from the installed package; the root loads no web server, queue, Redis client, metrics, logger or QR code', () => {
      // What each import loads, as the packages of every script V8 compiles meanwhile (ES modules and
      // CommonJS alike; node's module hooks are deprecated on 26 and see no require() on 20).
      writeFileSync(
        join(dir, 'imports.mjs'),
        `import { Session } from 'node:inspector';
const session = new Session();
session.connect();
const urls = [];
session.on('Debugger.scriptParsed', (m) => urls.push(m.params.url));
session.post('Debugger.enable');
const packages = () => [...new Set(urls.map((u) => /.*\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(u)?.[1]).filter(Boolean))];
const root = await import('kakunin');
const rootLoads = packages();
const [service, sandbox] = await Promise.all([import('kakunin/service'), import('kakunin/sandbox')]);
session.disconnect();
console.log(JSON.stringify({
  names: [typeof root.verifyDeviceResponse, Object.keys(service).sort(), typeof sandbox.createDeviceResponse, 'runServe' in root],
  rootLoads,
  allLoad: packages(),
}));
`,
      );
      const r = spawnSync(process.execPath, [join(dir, 'imports.mjs')], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const { names, rootLoads, allLoad } = JSON.parse(r.stdout) as { names: [string, string[], string, boolean]; rootLoads: string[]; allLoad: string[] };
      const [verify, service, createDeviceResponse, rootHasServe] = names;
      expect(verify).toBe('function');
      expect(service).toEqual(['runDemo', 'runServe']);
      expect(createDeviceResponse).toBe('function');
      expect(rootHasServe).toBe(false);
      // The packages the dependency-cruiser rule root-loads-no-server keeps out of src/index.ts.
      const server = ['express', 'express-rate-limit', 'helmet', 'bullmq', 'ioredis', 'rate-limit-redis', 'prom-client', 'pino', 'qrcode'];
      expect(rootLoads).toContain('kakunin');
      expect(rootLoads.filter((p) => server.includes(p))).toEqual([]);
      // The probe sees them where they do load.
      expect(allLoad).toEqual(expect.arrayContaining(server));
    }, 60_000);

    it("a TypeScript user compiles against the three entries with skipLibCheck false and only @types/node: no dependency's or dev dependency's types leak", async () => {
      // Installing kakunin adds no @types package: without `types` in its tsconfig (TypeScript before
      // 5.9's tsc --init) a project checks every one, and @types/w3c-web-usb (usb, under the BLE
      // libraries) fails without the DOM lib, which is why those are optional peers, not dependencies.
      expect(existsSync(join(dir, 'node_modules/@types')) ? readdirSync(join(dir, 'node_modules/@types')) : []).toEqual([]);
      // @types/node as any Node TypeScript user has it, nothing else (no @types/express, no typescript
      // package in the folder: the compiler is the repository's).
      cpSync(join(ROOT, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'), { recursive: true });
      cpSync(join(ROOT, 'node_modules/undici-types'), join(dir, 'node_modules/@types/node/node_modules/undici-types'), { recursive: true });
      // The README's library examples, typed, plus what must not compile (the types are real, not any).
      writeFileSync(
        join(dir, 'root.mts'),
        `import { createECDH, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadTrustStore, verifyDeviceResponse, type KakuninCode } from 'kakunin';

const example = 'node_modules/kakunin/examples/iso18013-5-annexD/';
const hex = (file: string) => Buffer.from(readFileSync(example + file, 'utf8').trim(), 'hex');
const d = hex('ephemeral_reader_key_d.hex');
const ecdh = createECDH('prime256v1');
ecdh.setPrivateKey(d);
const point = ecdh.getPublicKey();
const jwk = { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
const result = verifyDeviceResponse(hex('device_response.hex'), {
  trust: loadTrustStore([example + 'utopia_iaca_cert.pem']),
  at: new Date('2021-01-07T00:00:00Z'),
  sessionTranscript: hex('session_transcript_bytes.hex'),
  readerEphemeralKey: createPrivateKey({ key: jwk, format: 'jwk' }),
});
const valid: boolean = result.valid;
const codes: KakuninCode[] = result.errors.map((e) => e.code);
// @ts-expect-error KakuninCode is the union of the codes
const unknownCode: KakuninCode = 'NOT_A_CODE';
// @ts-expect-error the root is the library: the service is not in it
import { runServe } from 'kakunin';
export { valid, codes, unknownCode, runServe };
`,
      );
      writeFileSync(
        join(dir, 'service.mts'),
        `import { runDemo, runServe, type RunningService, type ServiceOptions } from 'kakunin/service';

const options: ServiceOptions = { env: process.env, quiet: true };
const svc: RunningService = await runServe(['--port', '0'], options);
svc.server.address();
await svc.close();
const demo = await runDemo(['--port', '0'], { env: {}, quiet: true });
// @ts-expect-error a running service's url is a string
const port: number = demo.url;
await demo.close();
export { port };
`,
      );
      writeFileSync(
        join(dir, 'sandbox.mts'),
        `import {
  MemoryRequestStateStore, TrustStore, buildPresentationRequest, createAgeOverPurpose, createDevelopmentIdentity,
  createDigitalCredentialRequest, receiveDigitalCredentialResponse, reduceToDecision,
} from 'kakunin';
import { SandboxWallet, answerDigitalCredentialRequest, createDocumentSigner, createIaca, issueMdoc, MNC_DOCTYPE, createMyNumberCardElements } from 'kakunin/sandbox';

const now = new Date();
const iaca = await createIaca();
const card = await issueMdoc({
  docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, now), signer: await createDocumentSigner(iaca),
  validity: { signed: now, validFrom: now, validUntil: new Date(now.getTime() + 86_400_000) },
});
const wallet = new SandboxWallet({ credentials: [card], now: () => new Date() });
const trust = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' });
const identity = await createDevelopmentIdentity('shop.example', now);
const store = new MemoryRequestStateStore();
const purpose = createAgeOverPurpose({ threshold: 20 });
const origin = 'https://shop.example';
const dcApi = await createDigitalCredentialRequest({ request: buildPresentationRequest(purpose), origin, identity, at: new Date(), store });
const credential = await answerDigitalCredentialRequest(wallet, dcApi.credentialRequestOptions, origin);
const result = await receiveDigitalCredentialResponse({ id: dcApi.id, response: credential, trust, at: new Date(), store });
const decision = reduceToDecision(purpose, result, new Date());
await store.release(dcApi.id);
export const outcome: string = decision.outcome;
`,
      );
      // What TypeScript 7's `tsc --init` writes (no @types unless listed; kakunin's declarations bring
      // in node's themselves), but skipLibCheck false: every package .d.ts the three entries reach is checked.
      const compilerOptions = {
        module: 'nodenext',
        target: 'esnext',
        types: [],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        isolatedModules: true,
        noUncheckedSideEffectImports: true,
        moduleDetection: 'force',
        skipLibCheck: false,
        noEmit: true,
        // TypeScript's own lib files are not what the package ships; checking them took two thirds of the time.
        skipDefaultLibCheck: true,
      };
      // The verifier and the service without the DOM lib, as a Node project's tsconfig often has it
      // (@tsconfig/node24: lib es2024). The sandbox's SandboxCertificate is @peculiar/x509's certificate,
      // whose declarations use WebCrypto's DOM types (BufferSource, CryptoKey): it is checked with DOM.
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, lib: ['esnext'] }, files: ['root.mts', 'service.mts'] }));
      writeFileSync(join(dir, 'tsconfig.sandbox.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, lib: ['esnext', 'dom'] }, files: ['sandbox.mts'] }));
      // Without `types`, every @types package in node_modules is checked (the default before TypeScript
      // 7), with lib es2023 as @tsconfig/node20 has it.
      const { types: _all, ...everyTypesPackage } = compilerOptions;
      writeFileSync(join(dir, 'tsconfig.all-types.json'), JSON.stringify({ compilerOptions: { ...everyTypesPackage, lib: ['es2023'] }, files: ['root.mts', 'service.mts'] }));
      // The three at once: each spends most of its time on @types/node, on one core.
      const results = await Promise.all(['tsconfig.json', 'tsconfig.sandbox.json', 'tsconfig.all-types.json'].map((config) => tsc(config)));
      for (const [config, output, status] of results) {
        expect(output, config).toBe('');
        expect(status, config).toBe(0);
      }

      function tsc(config: string): Promise<[string, string, number | null]> {
        const child = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, config)], { cwd: dir });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        return new Promise((resolve) => child.on('close', (status) => resolve([config, output, status])));
      }
    }, 120_000);
  });

  it('exits 2 for an unknown command', () => {
    expect(spawnSync(process.execPath, [join(ROOT, 'bin/kakunin.js'), 'frobnicate'], { encoding: 'utf8' }).status).toBe(2);
  });
});
