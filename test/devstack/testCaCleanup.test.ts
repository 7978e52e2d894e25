/**
 * The test run's CA (devstack/stack/vitestGlobalSetup.ts) keeps its private key on disk only while
 * the run lasts: teardown removes it, and the public bundle that NODE_EXTRA_CA_CERTS names stays for
 * workers that start late; the end of the process that made it, with or without teardown, removes
 * the whole directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import setup from '../../devstack/stack/vitestGlobalSetup';
import { CA_DIR_ENV } from '../../devstack/tls/testCa';

const root = join(__dirname, '..', '..');
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ca-cleanup-test-'));
  dirs.push(dir);
  return dir;
}

/** The CA directories in `tmp` (tsx keeps its own cache there too). */
function caDirs(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => name.startsWith('appgw-acme-ca-'));
}

/** The files in the CA directory (it has no sub-directories), with whether each holds a private key. */
function files(dir: string): Array<{ name: string; privateKey: boolean }> {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => ({ name: entry.name, privateKey: readFileSync(join(dir, entry.name), 'latin1').includes('PRIVATE KEY') }));
}

describe('the test run CA', () => {
  it('keeps its key during the run and only the public bundle after teardown', () => {
    const tmp = freshTmp();
    const saved = { TMPDIR: process.env.TMPDIR, [CA_DIR_ENV]: process.env[CA_DIR_ENV], NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
    process.env.TMPDIR = tmp;
    try {
      const teardown = setup();
      const caDir = process.env[CA_DIR_ENV]!;
      expect(caDir.startsWith(tmp)).toBe(true);
      expect(
        files(caDir)
          .filter((f) => f.privateKey)
          .map((f) => f.name),
      ).toEqual(['ca-key.pem']);
      teardown();
      expect(files(caDir)).toEqual([{ name: 'bundle.pem', privateKey: false }]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(process.env[CA_DIR_ENV]).toBe(saved[CA_DIR_ENV]);
  });

  it('leaves nothing when the process that made it ends without teardown (Ctrl-C, a crash)', () => {
    const tmp = freshTmp();
    const script = "require('./devstack/stack/vitestGlobalSetup').default(); console.log(process.env.TEST_CA_DIR); process.exit(3);";
    const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: root, env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(3);
    const caDir = result.stdout.trim().split('\n').pop()!;
    expect(caDir.startsWith(tmp)).toBe(true);
    expect(existsSync(caDir)).toBe(false);
    expect(caDirs(tmp)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('leaves nothing when %s ends the process that made it, which still dies of the signal', async (signal) => {
    const tmp = freshTmp();
    const script = "require('./devstack/stack/vitestGlobalSetup').default(); console.log(process.env.TEST_CA_DIR); setInterval(() => {}, 1000);";
    // Node itself, with tsx as a loader: tsx's own CLI relays some signals to a child and not others.
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const caDir = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = out.split('\n').find((l) => l.startsWith(tmp));
        if (line) resolve(line);
      });
      child.once('exit', () => reject(new Error(`exited before printing its CA directory: ${out}`)));
    });
    expect(files(caDir).some((f) => f.privateKey)).toBe(true);
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    child.kill(signal);
    const { code, signal: bySignal } = await ended;
    expect({ code, signal: bySignal }).toEqual({ code: null, signal });
    expect(caDirs(tmp)).toEqual([]);
  });

  it('leaves nothing when the process that made it ends after teardown', () => {
    const tmp = freshTmp();
    const script = "const teardown = require('./devstack/stack/vitestGlobalSetup').default(); console.log(process.env.TEST_CA_DIR); teardown();";
    const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: root, env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').pop()!.startsWith(tmp)).toBe(true);
    expect(caDirs(tmp)).toEqual([]);
  });
});
