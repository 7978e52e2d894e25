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
import { build } from 'esbuild';
import { join } from 'node:path';

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
