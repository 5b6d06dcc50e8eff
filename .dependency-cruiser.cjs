/**
 * The layers of DESIGN.md, enforced (`npm run lint:layers`, part of `npm test`). Dependencies point
 * downwards only: codes < cbor < cose < trust < mdoc < protocols < policy < sandbox < runtime <
 * service < cli
 * (src/index.ts, the public API, may import any of them).
 */
const LAYERS = ['codes', 'cbor', 'cose', 'trust', 'mdoc', 'protocols', 'policy', 'sandbox', 'runtime', 'service', 'cli'];
const IO_MODULES =
  '^(node:)?(fs|fs/promises|net|http|https|http2|dns|dns/promises|child_process|dgram|tls|cluster|worker_threads|readline|os|process|module|inspector|repl|tty|v8|vm)$';
// Packages that reach the network or a server: fetch wrappers, HTTP servers and clients, Redis, queues.
const IO_PACKAGES =
  '(^|/)node_modules/(undici|node-fetch|cross-fetch|axios|got|ky|ws|express|express-rate-limit|helmet|ioredis|redis|@redis/[^/]+|bullmq|rate-limit-redis|pino|prom-client)/';

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${layer}-downwards-only`,
      comment: `src/${layer}/ may import only the layers below it (${LAYERS.slice(0, i).join(', ') || 'none'})`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
    })),
    {
      name: 'verifier-does-no-io',
      comment:
        'codes, cbor, cose, trust, mdoc, protocols, policy and the sandbox take bytes, time and trust in and give results out: no filesystem, network or processes (files, fetching, refreshing and radios are src/runtime/)',
      severity: 'error',
      from: { path: '^src/(codes|cbor|cose|trust|mdoc|protocols|policy|sandbox)/' },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'verifier-uses-no-io-package',
      comment:
        'the same layers reach no network or server through a package either (fetch wrappers, HTTP, Redis, queues, logs, metrics): src/runtime/ and src/service/ do that',
      severity: 'error',
      from: { path: '^src/(codes|cbor|cose|trust|mdoc|protocols|policy|sandbox)/' },
      to: { path: IO_PACKAGES },
    },
    {
      name: 'x509-only-through-trust-x509',
      comment: '@peculiar/x509 needs the Reflect metadata polyfill loaded first: src/trust/x509.ts does both, in that order',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/trust/x509[.]ts$' },
      to: { path: '(^|/)node_modules/(@peculiar/x509|reflect-metadata)/' },
    },
    {
      name: 'kakunin-error-only-from-codes',
      comment:
        'KakuninError (and the rest of codes/error.ts) is imported from src/codes/error.ts itself: no barrel re-exports it, so there is one way in (src/index.ts re-exports it for library users)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/index[.]ts$' },
      to: { path: '^src/codes/error[.]ts$', dependencyTypes: ['export'] },
    },
    {
      name: 'sandbox-only-through-the-demo',
      comment: 'production code reaches the sandbox issuer and wallet only through the demo wallet',
      severity: 'error',
      from: { path: '^src/(service|cli)/', pathNot: '^src/service/startup/demo-wallet[.]ts$' },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'root-loads-no-server',
      comment:
        "import 'kakunin' is the verifier: no web server, queue, Redis client, metrics, logger or QR renderer anywhere below src/index.ts (the service is kakunin/service)",
      severity: 'error',
      from: { path: '^src/index[.]ts$' },
      to: { path: '(^|/)node_modules/(express|express-rate-limit|helmet|bullmq|ioredis|rate-limit-redis|prom-client|pino|qrcode)/', reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two files one idea',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
