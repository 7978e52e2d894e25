/**
 * For scripts run outside vitest (issue:local, bench): NODE_EXTRA_CA_CERTS is read only when a
 * process starts, so the first run creates the CA in a temporary directory and re-runs itself with
 * the variable set, supervising the re-run (devstack/stack/supervisor.ts). The CA directory, with
 * the CA's private key, is removed when the supervisor ends.
 */
import { superviseRerun } from '../stack/supervisor';
import { temporaryDirectory } from '../stack/temporaryDirectories';
import { CA_DIR_ENV, writeCa } from './testCa';

/** Returns in the re-run process; the first process supervises the re-run and exits with its code. */
export async function ensureTestCaTrusted(): Promise<void> {
  if (process.env[CA_DIR_ENV]) return;
  const dir = temporaryDirectory('appgw-acme-local-ca-');
  const { bundlePath } = writeCa(dir.path);
  await superviseRerun({ NODE_EXTRA_CA_CERTS: bundlePath, [CA_DIR_ENV]: dir.path }, () => dir.remove());
}
