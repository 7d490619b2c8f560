/**
 * The layer order, checked in `npm test` (__tests__/unit/layers.test.ts runs these rules through dependency-cruiser's
 * `cruise` API over the real tree, and over a small fixture tree to prove they can fail):
 *
 *   contracts/      the shapes every layer agrees on (release descriptor, release tags, shared constants): imports
 *                   nothing of the project;
 *   environments/   configuration: reads contracts/ only;
 *   modules/ stacks/ infrastructure: read contracts/ and environments/ (and the policy rules' suppression helpers),
 *                   never the tools (src/, scripts/);
 *   src/ rules/     the release CLI, the plan renderer and the policy rules: read contracts/ and configuration only,
 *                   never infrastructure; rules/ never the configuration schema itself.
 *
 * Type-only imports count (`tsPreCompilationDeps`): a type borrowed across a layer is the same seam as a value.
 */
/** Paths of project files outside the layers a rule allows (node_modules and Node's own modules never match). */
const PROJECT = '^(contracts|environments|modules|stacks|src|rules|scripts|tools|bench|__tests__)/|^main\\.ts$';

/**
 * Cycles accepted for now, as data with their reason (like a policy suppression): a cycle through `via` is not
 * reported. Each entry goes when its reason does; the layer test lists them, so none hides unnoticed.
 */
const ACCEPTED_CYCLES = [];

/** The cycles' exemption, only when there is one (an empty `pathNot` list would exempt every cycle). */
function acceptedCycles() {
  return ACCEPTED_CYCLES.length ? { viaOnly: { pathNot: ACCEPTED_CYCLES.map((c) => c.via) } } : {};
}

/** @type {import('dependency-cruiser').IConfiguration['forbidden']} */
const forbidden = [
  {
    name: 'no-cycles',
    severity: 'error',
    comment: 'Imports read one way: a cycle (also one through a type-only or a lazy `await import()`) joins two layers into one.',
    from: {},
    to: { circular: true, ...acceptedCycles() },
  },
  {
    name: 'no-dynamic-import-in-cycle',
    severity: 'error',
    comment: '`await import()` of a project file must not be what hides a cycle.',
    from: {},
    to: { dynamic: true, circular: true, ...acceptedCycles() },
  },
  {
    name: 'contracts-import-nothing',
    severity: 'error',
    comment: 'contracts/ is the bottom layer: every other layer may read it, so it reads none of them.',
    from: { path: '^contracts/' },
    to: { path: PROJECT, pathNot: '^contracts/' },
  },
  {
    name: 'environments-read-contracts-only',
    severity: 'error',
    comment: 'Configuration is data checked against contracts; it knows no infrastructure and no tool.',
    from: { path: '^environments/' },
    to: { path: PROJECT, pathNot: '^(contracts|environments)/' },
  },
  {
    name: 'infrastructure-never-reads-tools',
    severity: 'error',
    comment: 'modules/ and stacks/ build Terraform; what the tools share with them lives in contracts/.',
    from: { path: '^(modules|stacks)/' },
    to: { path: '^(src|scripts|tools|bench|__tests__)/|^main\\.ts$' },
  },
  {
    name: 'tools-read-contracts-and-configuration',
    severity: 'error',
    comment: 'The release CLI and the plan renderer read contracts/ and environments/, never the infrastructure code.',
    from: { path: '^src/' },
    to: { path: PROJECT, pathNot: '^(contracts|environments|src)/' },
  },
  {
    name: 'rules-read-contracts-and-configuration',
    severity: 'error',
    comment: 'Policy rules judge synthesized stacks; they read contracts/ and configuration, never infrastructure or tools.',
    from: { path: '^rules/' },
    to: { path: PROJECT, pathNot: '^(contracts|environments|rules)/' },
  },
  {
    name: 'rules-never-read-the-schema',
    severity: 'error',
    comment: 'A rule must not depend on how configuration is validated; constants both need live in contracts/.',
    from: { path: '^rules/' },
    to: { path: '^environments/schema' },
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|cdktf\\.out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
// Not a dependency-cruiser option (its schema refuses unknown keys): read by scripts/lib/layers.mjs for the report.
Object.defineProperty(module.exports, 'acceptedCycles', { value: ACCEPTED_CYCLES, enumerable: false });
