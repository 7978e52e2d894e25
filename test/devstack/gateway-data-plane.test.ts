/**
 * The emulated gateway's data plane, configured through the ARM emulator with the real
 * NetworkManagementClient: the HTTP-01 challenge path, and the certificate chosen by SNI the way
 * the gateway picks a listener (rule priority, frontend port, wildcard and basic listeners).
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../devstack/arm/emulator';
import { startGatewayDataPlane, type GatewayDataPlane } from '../../devstack/gateway/dataPlane';
import { issueServerCert, type PemPair } from '../../devstack/tls/testCa';
import { addSite, type Any, type ArmFixture, FAST, rand, type Seeded, startArmFixture } from './fixtures/arm';

let fx: ArmFixture;
let arm: ArmEmulator;
let ca: PemPair;
let client: NetworkManagementClient;

beforeAll(async () => {
  fx = await startArmFixture();
  ({ arm, ca } = fx);
  ({ client } = fx.admin);
});

afterAll(async () => {
  await fx?.stop();
});

describe('gateway data plane', () => {
  let blobServer: http.Server;
  let blobBase: string;
  const blobs = new Map<string, string>();
  const secrets = new Map<string, { chainPem: string[]; keyPem: string }>();
  let plane: GatewayDataPlane;
  let site: Seeded;
  let host: string;
  let secretName: string;
  const secretBase = `https://kv-${randomBytes(3).toString('hex')}.vault.azure.net/secrets/`;

  beforeAll(async () => {
    // Stands in for the Azurite container the challenge path rule points at.
    blobServer = http.createServer((req, res) => {
      const body = blobs.get(req.url ?? '');
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/octet-stream' });
      res.end(body ?? '<Error><Code>BlobNotFound</Code></Error>');
    });
    await new Promise<void>((resolve) => blobServer.listen(0, '127.0.0.1', resolve));
    blobBase = `http://127.0.0.1:${(blobServer.address() as AddressInfo).port}/devstoreaccount1/acme`;

    site = fx.seed();
    host = `${rand('site')}.example.test`;
    const gw: Any = await client.applicationGateways.get(site.rg, site.name);
    secretName = rand('site-cert');
    addSite(gw, site.gwId, host, { priority: 200, secretId: `${secretBase}${secretName}` });
    await client.applicationGateways.beginCreateOrUpdateAndWait(site.rg, site.name, gw, FAST);
    secrets.set(secretName, toSecret(issueServerCert(ca, { dns: [host], ips: [] })));

    plane = await startGatewayDataPlane({
      gateway: () => arm.getApplicationGateway(site.rg, site.name),
      challengeBlobBaseUrl: blobBase,
      challengeBlobPrefix: 'challenges/',
      resolveSecret: async (secretId) => {
        // Versionless ids resolve to the latest version, as Key Vault does.
        const m = /\/secrets\/([^/]+)(?:\/[^/]*)?$/.exec(secretId);
        return m ? secrets.get(m[1]!) : undefined;
      },
    });
  });

  afterAll(async () => {
    await plane?.stop();
    await new Promise<void>((resolve) => (blobServer ? blobServer.close(() => resolve()) : resolve()));
  });

  function toSecret(pair: PemPair): { chainPem: string[]; keyPem: string } {
    return { chainPem: [pair.certPem], keyPem: pair.keyPem };
  }

  function handshake(servername: string): Promise<{ cert: X509Certificate; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: plane.httpsPort, servername, ca: ca.certPem }, () => {
        const peer = socket.getPeerX509Certificate();
        if (!peer) {
          reject(new Error('no peer certificate'));
          return;
        }
        let body = '';
        socket.on('data', (d: Buffer) => (body += d.toString('utf8')));
        socket.on('end', () => resolve({ cert: peer, body }));
        socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
      });
      socket.on('error', reject);
    });
  }

  it('serves the Key Vault certificate of the Https listener chosen by SNI', async () => {
    const { cert, body } = await handshake(host);
    expect(cert.subject).toBe(`CN=${host}`);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(body).toMatch(/^HTTP\/1\.1 200/);
    expect(body).toContain(`for ${host}`);
  });

  it('matches the SNI name case-insensitively and fails the handshake for an unknown name', async () => {
    const { cert } = await handshake(host.toUpperCase());
    expect(cert.subject).toBe(`CN=${host}`);
    await expect(handshake(`${rand('unknown')}.example.test`)).rejects.toThrow();
  });

  it('serves a new Key Vault version at once', async () => {
    const first = await handshake(host);
    secrets.set(secretName, toSecret(issueServerCert(ca, { dns: [host], ips: [] })));
    const second = await handshake(host);
    expect(second.cert.serialNumber).not.toBe(first.cert.serialNumber);
    expect(second.cert.subject).toBe(`CN=${host}`);
  });

  it('serves challenge files through the path rule, and 404 once the rule is gone', async () => {
    const token = randomBytes(16).toString('base64url');
    const keyAuthorization = `${token}.${randomBytes(16).toString('base64url')}`;
    blobs.set(`/devstoreaccount1/acme/challenges/${token}`, keyAuthorization);
    const url = `http://127.0.0.1:${plane.httpPort}/.well-known/acme-challenge/${token}`;

    const res = await fetch(url, { headers: { host: host } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(keyAuthorization);

    expect((await fetch(`http://127.0.0.1:${plane.httpPort}/.well-known/acme-challenge/${randomBytes(16).toString('base64url')}`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${plane.httpPort}/index.html`)).status).toBe(404);

    // Remove the ACME path rule through ARM: the file becomes unreachable.
    const gw: Any = await client.applicationGateways.get(site.rg, site.name);
    gw.urlPathMaps[0].pathRules[0].paths = ['/static/*'];
    await client.applicationGateways.beginCreateOrUpdateAndWait(site.rg, site.name, gw, FAST);
    expect((await fetch(url)).status).toBe(404);
  });
});
