/**
 * `npm run issue:local [hostname ...]`: starts the local stack (Pebble, Azurite, the Key Vault and
 * ARM emulators, the gateway data plane), POSTs to the real starter and follows the real
 * orchestration, printing each customStatus step and the result. Nothing leaves this machine.
 */
import { resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ensureTestCaTrusted } from '../devstack/tls/trustTestCa';

const root = resolve(__dirname, '..');

async function main(): Promise<void> {
  await ensureTestCaTrusted(root);
  const { startAppOnStack, randomHostname, post, servedCertificate } = await import('../devstack/stack/appOnStack');
  const started = Date.now();
  const app = await startAppOnStack();
  const hostnames = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [randomHostname('www')];
  console.log(`Local stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: ACME ${app.stack.pebble.directoryUrl}, Key Vault ${app.stack.keyVault.url}, ARM ${app.stack.arm.url}`);
  try {
    const fn = hostnames.length === 1 ? 'AddCertificateFunctions_HttpStart' : 'AddMultipleCertificatesFunctions_HttpStart';
    const body = { hostnames: hostnames.map((hostname) => ({ hostname })) };
    console.log(`POST /api/${fn} ${JSON.stringify(body)}`);
    const response = await post(app.harness, fn, body);
    console.log(`→ ${response.status} ${response.body}`);
    if (response.status !== 202) process.exitCode = 1;
    else {
      const id = response.json().id as string;
      let seen = 0;
      const t0 = Date.now();
      for (;;) {
        const history = app.harness.customStatusHistory(id) as Array<{ status: string; message: string; error: string | null }>;
        for (; seen < history.length; seen += 1) {
          const s = history[seen]!;
          console.log(`  [${((Date.now() - t0) / 1000).toFixed(2)} s] ${s.status.padEnd(40)} ${s.error ? `${s.error}: ` : ''}${s.message}`);
        }
        const status = app.harness.getStatus(id);
        if (!['Pending', 'Running'].includes(status.runtimeStatus)) {
          console.log(`Orchestration ${id}: ${status.runtimeStatus}`);
          if (status.runtimeStatus !== 'Completed') process.exitCode = 1;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      for (const host of hostnames) {
        try {
          const cert: X509Certificate = await servedCertificate(app.stack.dataPlane.httpsPort, host.toLowerCase());
          console.log(`${host}: served by the gateway with subject "${cert.subject.replace(/\n/g, ', ')}", issuer "${cert.issuer.replace(/\n/g, ', ')}", valid until ${cert.validTo}`);
        } catch {
          console.log(`${host}: no certificate served`);
        }
      }
      const gw = app.stack.arm.getApplicationGateway(app.stack.resourceGroup, app.stack.gatewayName);
      for (const l of gw.properties.httpListeners.filter((x: { properties: { protocol: string } }) => x.properties.protocol === 'Https')) {
        console.log(`listener ${l.name}: ${l.properties.hostName} → ${l.properties.sslCertificate.id.split('/').pop()}`);
      }
    }
  } finally {
    await app.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
