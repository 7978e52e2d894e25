/**
 * Pebble, Let's Encrypt's test CA, with pebble-challtestsrv as its DNS server (Debian package `pebble`).
 *
 * challtestsrv answers every A query with 127.0.0.1 by default (`-defaultIPv4`), so Pebble's
 * validator reaches the gateway data plane on loopback; AAAA is disabled (`-defaultIPv6 ''`)
 * because otherwise the validator dials [::1] first and fails. Tests override A and CNAME records
 * per hostname through the management API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PemPair, issueServerCert } from '../tls/testCa';
import { freePort, spawnProcess, Spawned, waitUntil } from '../stack/processes';

export const PEBBLE_BIN = process.env.PEBBLE_BIN ?? '/usr/bin/pebble';
export const CHALLTESTSRV_BIN = process.env.CHALLTESTSRV_BIN ?? '/usr/bin/pebble-challtestsrv';

export interface PebbleOptions {
  ca: PemPair;
  /** Port Pebble's HTTP-01 validator connects to (the gateway data plane's HTTP port). */
  httpValidationPort: number;
  /** Extra environment, e.g. PEBBLE_WFE_NONCEREJECT for fault tests. */
  env?: Record<string, string>;
  /** Require External Account Binding (RFC 8555 §7.3.4) with this key id and base64url HMAC key. */
  eab?: { keyId: string; hmacKey: string };
}

export interface Pebble {
  /** ACME directory URL (acme-client's ACME_DIRECTORY_URL). */
  readonly directoryUrl: string;
  /** challtestsrv management URL (acme-client's ACME_CHALLTESTSRV_URL). */
  readonly challtestsrvUrl: string;
  /** The DNS server both Pebble and our DNS check use, as host:port. */
  readonly dnsServer: string;
  readonly managementUrl: string;
  setARecord(host: string, ip: string): Promise<void>;
  setCname(host: string, target: string): Promise<void>;
  clearRecords(host: string): Promise<void>;
  /** PEM of the root Pebble chains to (changes with every Pebble start). */
  rootPem(): Promise<string>;
  /** Process ids of pebble and pebble-challtestsrv, to prove nothing outlives `stop`. */
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

async function challtestsrv(url: string, path: string, body: object): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`challtestsrv ${path}: ${res.status} ${await res.text()}`);
}

function fqdn(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'pebble-'));
  const [acmePort, mgmtPort, tlsPort, dnsPort, challMgmtPort] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const server = issueServerCert(opts.ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  writeFileSync(join(dir, 'cert.pem'), server.certPem);
  writeFileSync(join(dir, 'key.pem'), server.keyPem);
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: opts.httpValidationPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: opts.eab !== undefined,
        ...(opts.eab ? { externalAccountMACKeys: { [opts.eab.keyId]: opts.eab.hmacKey } } : {}),
      },
    }),
  );

  const dnsServer = `127.0.0.1:${dnsPort}`;
  const challtestsrvUrl = `http://127.0.0.1:${challMgmtPort}`;
  const dns = spawnProcess(CHALLTESTSRV_BIN, [
    '-dns01', dnsServer, '-http01', '', '-https01', '', '-tlsalpn01', '',
    '-management', `127.0.0.1:${challMgmtPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '',
  ]);
  let pebble: Spawned | undefined;
  const stop = async () => {
    await Promise.all([pebble?.stop(), dns.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('pebble-challtestsrv', async () => (await fetch(`${challtestsrvUrl}/clear-request-history`, { method: 'POST', body: '{"host":"x","type":"http"}' })).status < 500, dns);
    pebble = spawnProcess(PEBBLE_BIN, ['-config', join(dir, 'pebble.json'), '-dnsserver', dnsServer, '-strict'], {
      // 0.1 s validation instead of 5 s; nonces are rejected only where a test asks for it.
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
      ...opts.env,
    });
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    await waitUntil('pebble', async () => (await fetch(directoryUrl)).ok, pebble);
  } catch (error) {
    await stop();
    throw error;
  }
  const managementUrl = `https://127.0.0.1:${mgmtPort}`;
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    challtestsrvUrl,
    dnsServer,
    managementUrl,
    setARecord: (host, ip) => challtestsrv(challtestsrvUrl, '/add-a', { host: fqdn(host), addresses: [ip] }),
    setCname: (host, target) => challtestsrv(challtestsrvUrl, '/set-cname', { host: fqdn(host), target: fqdn(target) }),
    async clearRecords(host) {
      await challtestsrv(challtestsrvUrl, '/clear-a', { host: fqdn(host) });
      await challtestsrv(challtestsrvUrl, '/clear-cname', { host: fqdn(host) });
    },
    async rootPem() {
      const res = await fetch(`${managementUrl}/roots/0`);
      if (!res.ok) throw new Error(`pebble roots: ${res.status}`);
      return res.text();
    },
    pids: [dns.child.pid, pebble?.child.pid].filter((p): p is number => typeof p === 'number'),
    stop,
  };
}
