// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------------------------
// Who may import whom: the rules of /work/shared/DESIGN.md ("Who may import whom"), enforced since issue #15
// (Structure, move 3). test/lint/layering.test.ts proves that each block fires.
//
// Our code imports itself by relative paths only (tsconfig has no `paths`), and `no-restricted-imports` sees the
// import as written, not resolved. So a pattern names a top-level folder after any run of `../`
// (`../../local/drill`); no folder of ours has a subfolder named like a top-level folder, so this finds every such
// import and nothing else. Type-only imports count too (`allowTypeImports` stays false): DESIGN.md makes no exception
// for them, and a type is as much a dependency on another layer's shape as a value is — a shape both sides need
// belongs in a module both may import.
//
// A file matched by several blocks gets the options of the last one only (flat config replaces a rule's options),
// so the fragments blocks repeat the workflows patterns.
//
// Two folders sit below every layer (issue #15): contracts/ (error names, tag and metadata keys, shared shapes: what a
// definition builds and a task parses) and lib/ (generic helpers). Every layer may import both; contracts/ imports only
// lib/, and lib/ imports nothing of ours.
// ---------------------------------------------------------------------------------------------------------------

/** An import of one of these top-level folders, from any depth: `../local`, `../../local/drill`. */
const folders = (...names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;

const DESIGN = 'DESIGN.md, "Who may import whom"';

const tasksMayNotImport = [
  {
    regex: folders('workflows'),
    message: `A task never knows which machine calls it: tasks never import workflows (${DESIGN}). Put what both need in contracts/, which both may import.`,
  },
  {
    regex: folders('local'),
    message: `Tasks know nothing of the simulator: tasks never import local (${DESIGN}).`,
  },
  {
    regex: folders('infra', 'cli'),
    message: `Tasks never import infra or cli (${DESIGN}).`,
  },
];

const workflowsMayNotImport = [
  {
    regex: folders('local'),
    message: `Definitions know nothing of the simulator: workflows never import local (${DESIGN}).`,
  },
  {
    regex: folders('cli'),
    message: `workflows never import cli (${DESIGN}): the CLI builds on the constructs, not the other way round.`,
  },
];

/**
 * What a fragment at `depth` folders below the root (workflows/fragments/x.ts is 2) may not import besides
 * workflowsMayNotImport: a workflow folder, i.e. any sibling of fragments/ other than base/, whether reached as
 * `../<name>` or `../../workflows/<name>`.
 */
const fragmentsMayNotImport = (depth) => [
  ...workflowsMayNotImport,
  {
    regex: `^(\\.\\./){${depth - 1}}(?!(base|fragments|\\.\\.)(/|$))[^/]+|^(\\.\\./){${depth}}workflows/(?!(base|fragments)(/|$))`,
    message: `Fragments are shared by workflows and never import one (${DESIGN}): move what they share into fragments/ or base/.`,
  },
];

const localMayNotImport = [
  {
    regex: folders('infra', 'cli'),
    message: `The engine runs a template it is handed and has no terminal: local never imports infra or cli (${DESIGN}).`,
  },
];

const libMayNotImport = [
  {
    regex: folders('workflows', 'tasks', 'infra', 'cli', 'local', 'bench', 'test', 'contracts'),
    message: `lib/ holds generic helpers every layer may use, so it imports none of our folders (issue #15).`,
  },
];

const contractsMayNotImport = [
  {
    regex: folders('workflows', 'tasks', 'infra', 'cli', 'local', 'bench', 'test'),
    message: `contracts/ holds the names and shapes every layer shares (issue #15), so it imports none of our folders but lib/.`,
  },
];

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

const layering = [
  { files: ['tasks/**/*.ts'], rules: restrict(tasksMayNotImport) },
  { files: ['workflows/**/*.ts'], rules: restrict(workflowsMayNotImport) },
  // workflows/fragments/x.ts, workflows/fragments/a/x.ts, workflows/fragments/a/b/x.ts
  ...[2, 3, 4].map((depth) => ({
    files: [`workflows/fragments/${'*/'.repeat(depth - 2)}*.ts`],
    rules: restrict(fragmentsMayNotImport(depth)),
  })),
  { files: ['local/**/*.ts'], rules: restrict(localMayNotImport) },
  { files: ['lib/**/*.ts'], rules: restrict(libMayNotImport) },
  { files: ['contracts/**/*.ts'], rules: restrict(contractsMayNotImport) },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'scratch/', 'dist/', 'bench/results.json'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    // The CLI is the one place that writes to the terminal.
    files: ['cli/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  ...layering,
);
