/**
 * Pebble, Let's Encrypt's test CA, with pebble-challtestsrv as its DNS server (Debian package `pebble`).
 *
 * Pebble's TLS key and config are written to a temporary directory that is removed as soon as
 * Pebble has read them (it loads both once, at start-up), so no key outlives a crashed run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PemPair, issueServerCert } from '../tls/testCa';
import { freePort, spawnProcess, Spawned, waitUntil } from '../stack/processes';
import { temporaryDirectory } from '../stack/temporaryDirectories';
import { PEBBLE_BIN, requirePebbleBinaries } from './binaries';
import { ChallTestSrv, startChallTestSrv } from './challtestsrv';

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
  setAAAARecord(host: string, ip: string): Promise<void>;
  setCname(host: string, target: string): Promise<void>;
  clearRecords(host: string): Promise<void>;
  /** PEM of the root Pebble chains to (changes with every Pebble start). */
  rootPem(): Promise<string>;
  /** Process ids of pebble and pebble-challtestsrv, to prove nothing outlives `stop`. */
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  requirePebbleBinaries();
  const [acmePort, mgmtPort, tlsPort, dnsPort, challMgmtPort] = (await Promise.all(Array.from({ length: 5 }, () => freePort()))) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const dns: ChallTestSrv = await startChallTestSrv({ dns: dnsPort, management: challMgmtPort });
  const dir = temporaryDirectory('pebble-');
  let pebble: Spawned | undefined;
  const stop = async () => {
    await Promise.all([pebble?.stop(), dns.process.stop()]);
    dir.remove();
  };
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  try {
    const server = issueServerCert(opts.ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
    writeFileSync(join(dir.path, 'cert.pem'), server.certPem);
    writeFileSync(join(dir.path, 'key.pem'), server.keyPem, { mode: 0o600 });
    writeFileSync(
      join(dir.path, 'pebble.json'),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${mgmtPort}`,
          certificate: join(dir.path, 'cert.pem'),
          privateKey: join(dir.path, 'key.pem'),
          httpPort: opts.httpValidationPort,
          tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: opts.eab !== undefined,
          ...(opts.eab ? { externalAccountMACKeys: { [opts.eab.keyId]: opts.eab.hmacKey } } : {}),
        },
      }),
    );
    pebble = spawnProcess(PEBBLE_BIN, ['-config', join(dir.path, 'pebble.json'), '-dnsserver', dns.dnsServer, '-strict'], {
      // 0.1 s validation instead of 5 s; nonces are rejected only where a test asks for it.
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
      ...opts.env,
    });
    await waitUntil('pebble', async () => (await fetch(directoryUrl)).ok, pebble);
    // Serving means Pebble has loaded its key and config: the files are no longer needed.
    dir.remove();
  } catch (error) {
    await stop();
    throw error;
  }
  const managementUrl = `https://127.0.0.1:${mgmtPort}`;
  return {
    directoryUrl,
    challtestsrvUrl: dns.url,
    dnsServer: dns.dnsServer,
    managementUrl,
    setARecord: dns.setARecord,
    setAAAARecord: dns.setAAAARecord,
    setCname: dns.setCname,
    clearRecords: dns.clearRecords,
    async rootPem() {
      const res = await fetch(`${managementUrl}/roots/0`);
      if (!res.ok) throw new Error(`pebble roots: ${res.status}`);
      return res.text();
    },
    pids: [dns.process.child.pid, pebble?.child.pid].filter((p): p is number => typeof p === 'number'),
    stop,
  };
}
