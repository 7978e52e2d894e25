/**
 * For scripts run outside vitest (issue:local, bench): NODE_EXTRA_CA_CERTS is read only when a
 * process starts, so the first run creates the CA and re-runs itself with the variable set.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CA_DIR_ENV, writeCa } from './testCa';

export async function ensureTestCaTrusted(root: string): Promise<void> {
  if (process.env[CA_DIR_ENV]) return;
  const dir = join(root, '.local-stack', 'ca');
  const { bundlePath } = writeCa(dir);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: bundlePath, [CA_DIR_ENV]: dir },
  });
  const code: number = await new Promise((r) => child.on('exit', (c) => r(c ?? 1)));
  process.exit(code);
}
