// The layer check (`npm run lint:layers`): which parts of src/ may import which.
// Layers run one way, http → protocol → domain → storage; src/app/ composes everything and only
// the entry points (src/main.ts, src/cli/) reach it; src/lib/ holds generic primitives.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-is-generic',
      comment: 'src/lib/ holds tiny generic primitives: it imports nothing of the product.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'app-only-from-entry-points',
      comment: 'src/app/ is the composition root: only src/main.ts and src/cli/ import it; routes receive the narrow dependencies they use.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/main\\.ts$', '^src/cli/'] },
      to: { path: '^src/app/' },
    },
    {
      name: 'http-and-cli-never-import-storage',
      comment: 'http and cli reach the database through the domain (its services, errors and page types).',
      severity: 'error',
      from: { path: '^src/(http|cli)/' },
      to: { path: '^src/storage/' },
    },
    {
      name: 'protocol-below-http',
      comment: 'Layers run one way: protocol never imports http.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'domain-below-protocol',
      comment: 'Layers run one way: the domain never imports protocol or http.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/(protocol|http|observability)/' },
    },
    {
      name: 'storage-at-the-bottom',
      comment: 'Storage imports no layer above it.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(protocol|http|observability|cli)/' },
    },
    {
      name: 'storage-uses-domain-model-types-only',
      comment: 'Storage may name the domain model types (domain/**/model.ts, `import type`) and nothing else of the domain.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/domain/', pathNot: '^src/domain/[a-z-]+/model[.]ts$' },
    },
    {
      name: 'storage-imports-domain-models-as-types',
      comment: 'Storage imports domain models with `import type` only: no domain code runs in storage.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/domain/[a-z-]+/model[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'observability-not-http',
      comment: 'Observability (metrics, the audit log) is used by http, never the other way round.',
      severity: 'error',
      from: { path: '^src/observability/' },
      to: { path: '^src/http/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // Type-only imports count: a layer named in a type is still a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
