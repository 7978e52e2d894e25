/**
 * `npm run build`: the app as one CommonJS file, dist/main.js (package.json "main"), which is what
 * a publish deploys and what the start-up test and the cold-start benchmark load.
 *
 * Why a bundle: the Functions host loads the entry point on every cold start, and resolving
 * durable-functions' and @azure/functions' dependency trees file by file costs more than running
 * them. The Azure SDKs, acme-client and node-forge stay outside (loaded from node_modules on first
 * use, see lib/clients.ts and lib/forge.ts): most invocations need one of them or none.
 * `@azure/functions-core` is provided by the Functions host at run time.
 */
import { build, Plugin } from 'esbuild';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..');

/** Loaded lazily where used, from the deployed node_modules. */
export const RUNTIME_EXTERNALS = [
  '@azure/functions-core',
  '@azure/arm-network',
  '@azure/identity',
  '@azure/keyvault-certificates',
  '@azure/keyvault-secrets',
  '@azure/storage-blob',
  'acme-client',
  'node-forge',
];

/**
 * durable-functions' dependencies that no registration needs: axios (the durable client's HTTP
 * calls, with mime-db behind it), validator (URL checks in the client) and moment (orchestration
 * timers). Each is bundled but evaluated only when first used — by a starter or an orchestration,
 * not by the cold start that loads the registrations.
 */
export const LAZY_DEPENDENCIES = ['axios', 'validator', 'moment'];

/**
 * Replaces `require("<name>")` inside durable-functions with a stand-in that requires the real
 * module on first access: a property read (`axios.default`, `validator.isURL`, `moment.duration`)
 * or a call (`moment(date)`).
 */
function lazyDependencies(names: readonly string[]): Plugin {
  // Package names: letters, digits and dashes, nothing to escape.
  const filter = new RegExp(`^(${names.join('|')})$`);
  return {
    name: 'lazy-dependencies',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        if (!/[\\/]node_modules[\\/]durable-functions[\\/]/.test(args.importer)) return undefined;
        return { path: args.path, namespace: 'lazy', pluginData: { resolveDir: dirname(args.importer) } };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
        resolveDir: (args.pluginData as { resolveDir: string }).resolveDir,
        loader: 'js',
        contents: [
          'let real;',
          `const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
          'module.exports = new Proxy(function () {}, {',
          '  get: (_, key) => load()[key],',
          '  has: (_, key) => key in load(),',
          '  apply: (_, self, args) => Reflect.apply(load(), self, args),',
          '});',
        ].join('\n'),
      }));
    },
  };
}

export async function buildApp(outfile = join(root, 'dist', 'main.js')): Promise<string> {
  await build({
    entryPoints: [join(root, 'functions', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: 'linked',
    external: RUNTIME_EXTERNALS,
    plugins: [lazyDependencies(LAZY_DEPENDENCIES)],
    logLevel: 'warning',
  });
  return outfile;
}

if (require.main === module) {
  buildApp().then(
    (file) => console.log(`built ${file}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
