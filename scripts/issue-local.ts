/**
 * `npm run issue:local [hostname ...]`: starts the local stack (Pebble, Azurite, the Key Vault and
 * ARM emulators, the gateway data plane), POSTs to the real starter and follows the real
 * orchestration, printing each customStatus step and the result. Nothing leaves this machine.
 *
 * It exits 0 only when the orchestration completed and the gateway serves, for every hostname, a
 * certificate for that hostname (named as the starter names it: lib/hostnames.ts parseHostname).
 * Ctrl-C or `kill` stop the stack; no process and no key is left behind.
 */
import type { X509Certificate } from 'node:crypto';
import { ensureTestCaTrusted } from '../devstack/tls/trustTestCa';
import { exitOnSignals, stoppingOnSignal } from '../devstack/stack/shutdown';
import type { AppOnStack } from '../devstack/stack/appOnStack';
import { parseHostname } from '../lib/hostnames';

/** Issuance takes about a second here; a run still going after this has hung. */
const ORCHESTRATION_TIMEOUT_MS = 120_000;

function describe(cert: X509Certificate): string {
  return `subject "${cert.subject.replace(/\n/g, ', ')}", issuer "${cert.issuer.replace(/\n/g, ', ')}", valid until ${cert.validTo}`;
}

interface StatusStep {
  status: string;
  message: string;
  error: string | null;
}

function formatStep(s: StatusStep): string {
  return `${s.status.padEnd(40)} ${s.error ? `${s.error}: ` : ''}${s.message}`;
}

/** Follows the instance's local state until it ends; returns whether it completed. */
async function follow(app: AppOnStack, id: string): Promise<boolean> {
  let seen = 0;
  const t0 = Date.now();
  for (;;) {
    const history = app.harness.customStatusHistory(id) as StatusStep[];
    for (; seen < history.length; seen += 1) {
      console.log(`  [${((Date.now() - t0) / 1000).toFixed(2)} s] ${formatStep(history[seen]!)}`);
    }
    const status = app.harness.getStatus(id);
    if (!['Pending', 'Running'].includes(status.runtimeStatus) || Date.now() - t0 > ORCHESTRATION_TIMEOUT_MS) {
      const last = status.customStatus as StatusStep | undefined;
      const timedOut = ['Pending', 'Running'].includes(status.runtimeStatus) ? ` after ${ORCHESTRATION_TIMEOUT_MS / 1000} s (gave up waiting)` : '';
      console.log(
        `Instance ${id}: runtime status ${status.runtimeStatus}${timedOut}; last customStatus: ${last ? formatStep(last).replace(/\s+/, ' ') : '(none)'}`,
      );
      return status.runtimeStatus === 'Completed';
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Checks, through the gateway data plane, that each hostname is served with a certificate for it. */
async function checkServed(
  app: AppOnStack,
  inputs: readonly string[],
  servedCertificate: (port: number, servername: string) => Promise<X509Certificate>,
): Promise<boolean> {
  let allServed = true;
  for (const input of inputs) {
    const parsed = parseHostname(input, { allowReserved: true });
    if (!parsed.ok) {
      console.log(`"${input}" ${parsed.message}: nothing to check`);
      allServed = false;
      continue;
    }
    const name = parsed.hostname;
    const label = name === input ? name : `${name} (given as "${input}")`;
    try {
      const cert = await servedCertificate(app.stack.dataPlane.httpsPort, name);
      if (cert.checkHost(name) === undefined) {
        console.log(`${label}: the gateway serves a certificate that does not cover it: ${describe(cert)}`);
        allServed = false;
      } else {
        console.log(`${label}: served by the gateway with ${describe(cert)}`);
      }
    } catch (error) {
      console.log(`${label}: no certificate served (${error instanceof Error ? error.message : String(error)})`);
      allServed = false;
    }
  }
  return allServed;
}

async function main(): Promise<number> {
  await ensureTestCaTrusted();
  const { startAppOnStack, randomHostname, post, servedCertificate } = await import('../devstack/stack/appOnStack');
  // eslint-disable-next-line prefer-const -- assigned below, after the signal handler that reads it is installed
  let app: AppOnStack | undefined;
  let stopped: Promise<void> | undefined;
  const stopApp = () => (stopped ??= app ? app.stop() : Promise.resolve());
  exitOnSignals(stopApp);

  const started = Date.now();
  app = await startAppOnStack();
  const inputs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [randomHostname('www')];
  console.log(
    `Local stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: ACME ${app.stack.pebble.directoryUrl}, Key Vault ${app.stack.keyVault.url}, ARM ${app.stack.arm.url}`,
  );
  try {
    const fn = inputs.length === 1 ? 'AddCertificateFunctions_HttpStart' : 'AddMultipleCertificatesFunctions_HttpStart';
    const body = { hostnames: inputs.map((hostname) => ({ hostname })) };
    console.log(`POST /api/${fn} ${JSON.stringify(body)}`);
    const response = await post(app.harness, fn, body);
    if (response.status !== 202) {
      console.log(`→ ${response.status} ${response.body}`);
      return 1;
    }
    const id = response.json().id as string;
    console.log(`→ 202 Accepted, orchestration instance ${id}`);
    console.log('  (The response also carries statusQueryGetUri and the other management URLs the Function App answers in Azure;');
    console.log("  nothing listens on localhost:7071 here, so the instance's local state is printed instead.)");
    const completed = await follow(app, id);
    const served = await checkServed(app, inputs, servedCertificate);
    const gw = app.stack.arm.getApplicationGateway(app.stack.resourceGroup, app.stack.gatewayName);
    for (const l of gw.properties.httpListeners.filter((x: { properties: { protocol: string } }) => x.properties.protocol === 'Https')) {
      console.log(`listener ${l.name}: ${l.properties.hostName} → ${l.properties.sslCertificate.id.split('/').pop()}`);
    }
    return completed && served ? 0 : 1;
  } finally {
    await stopApp();
  }
}

main().then(
  (code) => {
    // After a signal, the signal handler ends the process once the stack is stopped.
    if (!stoppingOnSignal()) process.exit(code);
  },
  (error: unknown) => {
    if (stoppingOnSignal()) return;
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
