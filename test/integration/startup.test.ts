/**
 * The entry point a publish deploys (package.json "main" = the bundle from `npm run build`),
 * loaded in a fresh process the way the Functions host loads it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import ignore from 'ignore';
import { coreToolsPublishes } from '../fixtures/funcignore';
import { RUNTIME_EXTERNALS, buildApp } from '../../scripts/build';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };
const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')).Values as Record<string, string>;
const entry = join(root, pkg.main);

function start(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in sample)));
  return spawnSync(process.execPath, [entry], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('start-up of the deployed bundle', () => {
  beforeAll(async () => {
    expect(await buildApp()).toBe(entry);
  }, 60_000);

  it('loads with the sample settings', () => {
    const result = start(sample);
    expect(result.status, result.stderr).toBe(0);
  });

  it('fails fast, naming the missing setting', () => {
    const { KeyVaultBaseUrl: _omit, ...rest } = sample;
    const result = start(rest);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/KeyVaultBaseUrl is required but not set/);
  });

  it('ships what the bundle leaves outside as production dependencies', () => {
    // `@azure/functions-core` is the host's own module; the rest must survive `npm ci --omit=dev`.
    for (const name of RUNTIME_EXTERNALS.filter((n) => n !== '@azure/functions-core')) expect(pkg.dependencies).toHaveProperty([name]);
    expect(readFileSync(join(root, '.funcignore'), 'utf8')).not.toMatch(/^\/?node_modules/m);
  });

  it.each([
    // Core Tools' own parser (src/Cli/func/Common/GitIgnoreParser.cs), which `func … publish` uses.
    ['Core Tools', (funcignore: string) => (path: string) => coreToolsPublishes(funcignore, path)],
    // git's rules (the `ignore` library), as other tools that honour .funcignore read it.
    ['git', (funcignore: string) => (path: string) => !ignore().add(funcignore).ignores(path)],
  ] as const)("publishes, read by %s's rules, only the bundle, host.json, package.json and the lock file of the project's own files", (_reader, reading) => {
    const publishes = reading(readFileSync(join(root, '.funcignore'), 'utf8'));
    const tracked = spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const built = readdirSync(join(root, 'dist')).map((f) => `dist/${f}`);
    expect(built).toEqual(expect.arrayContaining(['dist/main.js', 'dist/main.js.map']));
    const shipped = [...new Set([...tracked, ...built])].filter(publishes).sort();
    expect(shipped).toEqual(['dist/main.js', 'host.json', 'package-lock.json', 'package.json']);
  });
});
