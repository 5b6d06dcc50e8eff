/**
 * The library's public API: what `import ... from 'kakunin'` gives. The list is pinned (a change to
 * it is a deliberate act), every export carries a doc comment a TypeScript user sees, and the
 * README's library example runs as written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as kakunin from '../src/index.js';
import { hex, readerKeyFromHex, VECTORS } from './helpers/vectors.js';

const ROOT = join(import.meta.dirname, '..');
const INDEX = join(ROOT, 'src/index.ts');

const PUBLIC_API = [
  'AccountReference',
  'AgeOverOptions',
  'AnsweredVerificationResult',
  'ApduChannel',
  'BleCentralClientOptions',
  'BleRetrieval',
  'buildItemsRequest',
  'buildPresentationRequest',
  'BuildPresentationRequestOptions',
  'CertificateExtension',
  'Channel',
  'CheckName',
  'CheckResult',
  'CheckStatus',
  'ClientIdPrefix',
  'CoseCode',
  'OperatorCode',
  'ProximityErrorCode',
  'SandboxCode',
  'ServiceCode',
  'ServiceReasonCode',
  'TrustCode',
  'createAgeOverPurpose',
  'createDevelopmentIdentity',
  'createDigitalCredentialRequest',
  'createKycPurpose',
  'createOpenID4VPRequest',
  'createResidencyPurpose',
  'CredentialBinder',
  'DcApiProtocol',
  'Decision',
  'DecisionOptions',
  'DecisionValue',
  'DeviceEngagement',
  'DeviceRequestInfo',
  'DeviceRetrievalMethod',
  'DigitalCredentialRequest',
  'DigitalCredentialRequestOptions',
  'DigitalCredentialResponseOptions',
  'DirectPostOptions',
  'DocumentAsk',
  'DocumentResult',
  'ElementRef',
  'EncodedCbor',
  'Engagement',
  'EphemeralCurve',
  'EphemeralKey',
  'FAILURE_CODES',
  'FailureCode',
  'FieldResult',
  'FullDate',
  'getRequestObject',
  'ImportedCertificate',
  'importVical',
  'IssuerInfo',
  'ItemsRequest',
  'KakuninCode',
  'KakuninError',
  'KycOptions',
  'LoadTrustStoreOptions',
  'loadPurposes',
  'loadTrustStore',
  'loadVerifierIdentity',
  'MemoryRequestStateStore',
  'NameSpaceIdentifiers',
  'NameSpaceValues',
  'NfcRetrieval',
  'NfcSessionTransport',
  'openBleCentralClient',
  'OpenID4VPRequest',
  'OpenID4VPRequestOptions',
  'ParsedCertificate',
  'ParsedVical',
  'parseNfcEngagement',
  'parseQrEngagement',
  'PolicyFailureCode',
  'PresentationRequest',
  'PresetOptions',
  'ProtocolError',
  'ProtocolFailureCode',
  'ProtocolName',
  'ProtocolVerificationResult',
  'ProximityHandover',
  'Purpose',
  'ReaderIdentity',
  'ReaderSessionOptions',
  'readMdoc',
  'ReadMdocOptions',
  'ReadMdocOutcome',
  'receiveDigitalCredentialResponse',
  'receiveDirectPost',
  'reduceToDecision',
  'RequestedDocument',
  'RequestedElement',
  'RequestStateStore',
  'ResidencyOptions',
  'RevocationChecker',
  'RevocationListError',
  'RevocationListKind',
  'RevocationListMetrics',
  'RevocationLists',
  'RevocationListsOptions',
  'RevocationListTarget',
  'RevocationStatus',
  'SessionTransport',
  'SignerPath',
  'TestIdResult',
  'TrustAnchor',
  'TrustAnchorMeta',
  'TrustStore',
  'UseCase',
  'ValidityInfo',
  'VerificationError',
  'VerificationResult',
  'VerifiedVical',
  'VerifierIdentity',
  'VerifierInfo',
  'verifyDeviceResponse',
  'VerifyDeviceResponseOptions',
  'VerifyProtocolResponseOptions',
  'verifyVical',
  'VerifyVicalOptions',
  'Vical',
  'VicalCertificateInfo',
  'ImportVicalOptions',
  'VicalImportResult',
  'WifiAwareRetrieval',
];

/** The exports of src/index.ts as the TypeScript compiler sees them, each with its doc comment. */
function exportsWithDocs(): { name: string; doc: string }[] {
  const program = ts.createProgram([INDEX], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  return checker.getExportsOfModule(symbol).map((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    return {
      name: s.name,
      doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim(),
    };
  });
}

describe('the library entry point', () => {
  it('verifies a DeviceResponse with only what it exports', () => {
    const r = kakunin.verifyDeviceResponse(hex('iso18013-5-annexD-multipaz/device_response.hex'), {
      trust: kakunin.loadTrustStore([`${VECTORS}iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem`]),
      at: new Date('2021-01-07T00:00:00Z'),
      sessionTranscript: hex('iso18013-5-annexD-multipaz/session_transcript_bytes.hex'),
      readerEphemeralKey: readerKeyFromHex('iso18013-5-annexD-multipaz/ephemeral_reader_key_d.hex'),
    });
    expect(r.valid).toBe(true);
  });

  it('exports exactly the pinned public API, each with a doc comment', () => {
    const exported = exportsWithDocs();
    expect(exported.map((e) => e.name).sort()).toEqual([...PUBLIC_API].sort());
    expect(exported.filter((e) => e.doc.length < 20).map((e) => e.name)).toEqual([]);
    // That every function and class shows how it is called, in an example that compiles: test/repo/api-examples.test.ts.
    // Internals stay inside: no protocol namespace, no helpers.
    expect(Object.keys(kakunin)).not.toContain('protocols');
  }, 60_000);

  it('leaves the service and the sandbox to their subpaths (kakunin/service, kakunin/sandbox), each built from a source file', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './sandbox', './service']);
    for (const entry of Object.values(pkg.exports)) {
      expect(entry.types).toBe(entry.default.replace(/[.]js$/, '.d.ts'));
      expect(existsSync(join(ROOT, entry.default.replace(/^[.]\/dist\//, 'src/').replace(/[.]js$/, '.ts')))).toBe(true);
    }
    expect(Object.keys(kakunin)).not.toContain('runServe');
    const service = await import('../src/service/index.js');
    expect(Object.keys(service).sort()).toEqual(['runDemo', 'runServe']);
    const sandbox = await import('../src/sandbox/index.js');
    expect(typeof sandbox.createDeviceResponse).toBe('function');
    expect(typeof sandbox.SandboxWallet).toBe('function');
    expect(typeof sandbox.answerDigitalCredentialRequest).toBe('function');
  }, 60_000);

  it("runs the README's library example as written", () => {
    const out = runReadmeExample('library');
    expect(out).toBe('true org.iso.18013.5.1.mDL Doe 123456789\n');
  }, 60_000);

  it("runs the README's three calls (purpose, request, decision) with the sandbox wallet as written", () => {
    const out = runReadmeExample('library-three-calls');
    expect(out.trim()).toBe("verified { kind: 'age_over', threshold: 20, over: true }");
  }, 60_000);
});

/** Runs the README block marked `<!-- readme-example: NAME -->` with 'kakunin' and its subpaths resolved to src/, and returns what it prints. */
function runReadmeExample(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = new RegExp(`<!-- readme-example: ${name} -->\n\`\`\`js\n([\\s\\S]*?)\`\`\``).exec(readme);
  expect(block).not.toBeNull();
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-lib-'));
  const file = join(dir, 'example.mts');
  const entry = (subpath: string) => pathToFileURL(join(ROOT, 'src', subpath, 'index.ts')).href;
  // From a checkout the package's examples folder is at the root (test/cli/verify.test.ts runs the blocks from npm install).
  const code = block![1].replace(/from 'kakunin(?:\/(service|sandbox))?'/g, (_, subpath: string | undefined) => `from '${entry(subpath ?? '')}'`);
  writeFileSync(file, code.replaceAll("'node_modules/kakunin/examples/", "'examples/"));
  return execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8' });
}
