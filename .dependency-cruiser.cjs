// The direction of dependencies from DESIGN.md:
//   core <- platform/store/zoom/link <- sync/guard <- daemon
//   tray and cli reach the daemon only through ipc/client; relay and sim share only core.
// src/main.ts is the command router (like Tailscale's cmd/): it may start any part.
const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...allowed.map((a) => (a.includes('/') ? `^src/${a}` : `^src/${a}/`))],
  },
});

module.exports = {
  forbidden: [
    layer('core', []),
    layer('platform', ['core']),
    layer('store', ['core', 'platform']),
    layer('zoom', ['core', 'platform']),
    layer('link', ['core', 'platform']),
    layer('sync', ['core', 'platform', 'store', 'zoom']),
    layer('guard', ['core', 'platform', 'store', 'zoom', 'link']),
    layer('ipc', ['core', 'platform']),
    layer('daemon', ['core', 'platform', 'store', 'zoom', 'link', 'sync', 'guard', 'ipc']),
    layer('cli', ['core', 'platform', 'ipc/client', 'ipc/protocol', 'ipc/schemas', 'ipc/openrpc', 'ipc/openrpcMarkdown']),
    layer('tray', ['core', 'platform', 'ipc/client', 'ipc/protocol', 'ipc/schemas']),
    layer('relay', ['core', 'platform']),
    layer('sim', ['core', 'platform']),
    // The demo starts the simulator and the relay in-process and the daemon as its own process.
    layer('demo', ['core', 'platform', 'sim', 'relay', 'ipc/client', 'ipc/protocol', 'ipc/schemas']),
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-dev-dependencies-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
