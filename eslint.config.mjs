// Lint: typescript-eslint's recommended rules, and the project's layer boundaries
// (../shared/STYLE.md: trigger → orchestrator → activity → adapter, data flowing one way).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SDKS = [
  '@azure/arm-network',
  '@azure/identity',
  '@azure/keyvault-certificates',
  '@azure/keyvault-secrets',
  '@azure/storage-blob',
  '@azure/core-auth',
  'acme-client',
  'node-forge',
];
const sdkPatterns = SDKS.map((name) => ({ group: [name, `${name}/*`], message: 'Only lib/ (its adapters and clients) talks to SDKs.' }));

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Lazy requires keep SDKs out of the cold start (lib/clients.ts, lib/forge.ts).
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only']", message: 'No focused tests.' },
        {
          selector: 'CallExpression[callee.property.name=/^(skip|todo)$/]',
          message: 'A skipped test says why: `// eslint-disable-next-line no-restricted-syntax -- <why>`.',
        },
      ],
    },
  },
  {
    // Tests and the local runtime read JSON the servers answer (gateway bodies, histories) loosely.
    files: ['test/**/*.ts', 'devstack/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Orchestrators replay: deterministic, no I/O. Only durable-functions and pure lib/ modules.
    files: ['orchestrators/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...sdkPatterns,
            { group: ['node:*', 'fs', 'http', 'https', 'net', 'dns', 'crypto', 'child_process'], message: 'Orchestrators do no I/O.' },
            {
              group: ['../lib/adapters/*', '../lib/adapters/**', '../lib/clients', '../lib/config', '../lib/forge', '../activities/*', '../functions/*'],
              message: 'Orchestrators import only durable-functions and pure lib/ modules.',
            },
            { group: ['@azure/functions'], message: 'Orchestrators use durable-functions only.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time is context.df.currentUtcDateTime.' },
        { object: 'Math', property: 'random', message: 'Randomness is context.df.newGuid(...).' },
        { object: 'process', property: 'env', message: 'Configuration reaches orchestrators through their input.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time is context.df.currentUtcDateTime.' },
      ],
    },
  },
  {
    // Activities are thin: they call lib/, never an SDK.
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...sdkPatterns,
            { group: ['../functions/*', '../orchestrators/*'], message: 'Data flows one way: trigger → orchestrator → activity → adapter.' },
          ],
        },
      ],
    },
  },
  {
    // lib/ never reaches back up the layers.
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/functions/*', '**/orchestrators/*', '**/activities/*', '**/devstack/*', '**/test/*'],
              message: 'lib/ is used by the layers above it, never the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    // The pure domain of lib/ (everything but adapters and the clients/config/forge edges) does no I/O.
    files: ['lib/*.ts'],
    ignores: ['lib/clients.ts', 'lib/config.ts', 'lib/forge.ts'],
    rules: {
      'no-restricted-imports': 'off',
      // Types of an SDK's resources (an ApplicationGateway to merge) are data, not calls.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...sdkPatterns.filter((p) => !p.group.includes('node-forge')).map((p) => ({ ...p, allowTypeImports: true })),
            { group: ['./adapters/*', './adapters/**', './clients'], message: 'Domain modules do not call adapters.' },
            {
              group: ['**/functions/*', '**/orchestrators/*', '**/activities/*', '**/devstack/*', '**/test/*'],
              message: 'lib/ is used by the layers above it, never the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    // The production app never depends on the local runtime or the tests.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...sdkPatterns, { group: ['**/devstack/*', '**/test/*'], message: 'The app never depends on the local runtime.' }] },
      ],
    },
  },
);
