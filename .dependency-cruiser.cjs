// Import rules of lib/, checked in CI by `npm run depcruise` (dependency-cruiser).
//
// 1. No file imports itself through a circle of other files.
// 2. The folders of lib/ stand in the order below, lowest first: a folder imports only folders
//    before it (and packages). The order follows a connection's life, except where the code
//    needs a piece lower down; each such place says why.
// 3. The files at the root of lib/ (module wiring, index.ts, cli.ts) may import every folder but
//    testing/; only testing/ imports them (it starts a real RealtimeModule).

/** lib/'s folders, lowest first. */
const FOLDERS = [
  'core', // tokens, event and namespace names, signals, logging, socket-check and emit-route contracts
  'options', // the options interface, defaults, boot-time validation (and RealtimeConfigError)
  'internals', // the one place that reaches into other packages' unpublished members
  'redis', // the one Redis connection factory
  'errors', // the error contract: codes, RealtimeException, the shape, WsExceptionFilter
  'auth', // handshake authentication, tokens, guards, personal rooms
  'connection', // the hook bus every feature plugs into; it runs auth, so it stands above it
  'validation', // WsValidationPipe and its fast path
  'gateway', // discovery and dispatch of Nest gateways, @RealtimeGateway (uses guard, filter, pipe)
  'presence',
  'throttle', // above presence: connection limits count a user's sockets through presence
  'rooms',
  'sse', // below the emitter: the emitter fans its emits out to the SSE relay
  'emitter',
  'health', // below the adapter: the adapter reports its Redis state into RealtimeHealth
  'adapter', // the Socket.IO server: puts the hook bus and the gateway dispatch on every namespace
  'shutdown',
  'metrics', // reads signals, health and the throttles
  'asyncapi',
  'admin', // the operator console: uses the adapter's origin check and the metrics
  'testing', // the test kit: starts the whole module
];

const folderPath = (names) => `^lib/(${names.join('|')})/`;
const ROOT_FILES = '^lib/[^/]+$';

/** One rule per folder: nothing after it, and no root file. */
const folderOrder = FOLDERS.slice(0, -1).map((folder, index) => ({
  name: `folder-order-${folder}`,
  comment: `lib/${folder}/ imports only folders before it: ${FOLDERS.slice(0, index).join(', ') || '(none)'}.`,
  severity: 'error',
  from: { path: `^lib/${folder}/` },
  to: { path: [folderPath(FOLDERS.slice(index + 1)), ROOT_FILES] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other in a circle: move the shared piece down.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    ...folderOrder,
    {
      name: 'root-files-not-from-testing',
      comment: 'The module wiring (lib/*.ts) is above every folder but testing/.',
      severity: 'error',
      from: { path: ROOT_FILES },
      to: { path: '^lib/testing/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing: a moved file or a typo.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-unknown-folder',
      comment: 'A new folder in lib/ needs its place in FOLDERS first.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lib/[^/]+/', pathNot: [folderPath(FOLDERS)] },
    },
  ],
  options: {
    // Type-only imports count: a circle through types is still a circle for a reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    doNotFollow: { path: 'node_modules' },
    // The `./x.js` specifiers of this ESM source name `./x.ts`: dependency-cruiser retries a
    // TypeScript import of a missing `.js` with `.ts`, so no resolve option is needed here.
  },
};
