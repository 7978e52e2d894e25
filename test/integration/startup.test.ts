import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')).Values as Record<string, string>;

function start(env: Record<string, string>) {
  // A fresh process loads the entry point the way the Functions host does (package.json "main").
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in sample)));
  return spawnSync(tsx, [join(root, 'functions', 'index.ts')], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('start-up', () => {
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
});
