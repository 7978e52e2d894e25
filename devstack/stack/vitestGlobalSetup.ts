/**
 * Runs once in vitest's main process before the workers fork: it creates the run's test CA and
 * points NODE_EXTRA_CA_CERTS at it, so every worker process trusts the local HTTPS servers.
 */
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CA_DIR_ENV, removeCaKey, writeCa } from '../tls/testCa';

export default function setup(): () => void {
  // The deployed runtime is Node 22 (infra/main.bicep); npm scripts run node_modules/.bin/node.
  console.log(`Tests run on Node ${process.version} (${process.execPath})`);
  const dir = mkdtempSync(join(tmpdir(), 'appgw-acme-ca-'));
  // Nothing of the CA outlives the process: not on exit, and not when a signal ends it (Ctrl-C,
  // `kill`), which skips 'exit' handlers unless something else (vitest, at times) catches it.
  const removeAll = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeAll();
      // No other listener: the process dies of the signal, as it would have without this one.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  const { bundlePath } = writeCa(dir);
  const previous = process.env.NODE_EXTRA_CA_CERTS;
  process.env[CA_DIR_ENV] = dir;
  process.env.NODE_EXTRA_CA_CERTS = bundlePath;
  return () => {
    if (previous === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = previous;
    delete process.env[CA_DIR_ENV];
    removeCaKey(dir);
    // The public bundle stays until the process exits: the worker pool may start one more process
    // after teardown with the environment it captured, and Node warns when the bundle is gone.
  };
}
