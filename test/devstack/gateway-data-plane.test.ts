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

describe('listener precedence on the data plane (v2: rule priority, first match wins)', () => {
  const secrets = new Map<string, { chainPem: string[]; keyPem: string; serial: string }>();
  const secretBase = 'https://kv-precedence.vault.azure.net/secrets/';
  const planes: GatewayDataPlane[] = [];

  afterAll(async () => {
    await Promise.all(planes.map((p) => p.stop()));
  });

  /** A certificate in the fake vault for `names`; returns its secret id and serial number. */
  function certificate(names: string[]): { secretId: string; serial: string } {
    const name = rand('cert');
    const pair = issueServerCert(ca, { dns: names, ips: [] });
    const serial = new X509Certificate(pair.certPem).serialNumber;
    secrets.set(name, { chainPem: [pair.certPem], keyPem: pair.keyPem, serial });
    return { secretId: `${secretBase}${name}`, serial };
  }

  async function planeFor(s: Seeded): Promise<GatewayDataPlane> {
    const plane = await startGatewayDataPlane({
      gateway: () => arm.getApplicationGateway(s.rg, s.name),
      challengeBlobBaseUrl: 'http://127.0.0.1:9/unused',
      resolveSecret: async (secretId) => secrets.get(/\/secrets\/([^/]+)/.exec(secretId)?.[1] ?? ''),
    });
    planes.push(plane);
    return plane;
  }

  /** The serial number of the certificate served for SNI `servername`, or undefined when the handshake fails. */
  function servedSerial(plane: GatewayDataPlane, servername: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: plane.httpsPort, servername, rejectUnauthorized: false }, () => {
        const serial = socket.getPeerX509Certificate()?.serialNumber;
        socket.end();
        resolve(serial);
      });
      socket.on('error', () => resolve(undefined));
    });
  }

  async function put(s: Seeded, gw: Any): Promise<void> {
    await client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST);
  }

  it('a wildcard listener with a lower priority number shadows a specific one: the specific host gets the wrong certificate', async () => {
    const s = fx.seed();
    const domain = `${rand('shadow')}.test`;
    const www = `www.${domain}`;
    const specific = certificate([www]);
    const wildcard = certificate([`*.${domain}`]);
    const gw: Any = await client.applicationGateways.get(s.rg, s.name);
    addSite(gw, s.gwId, www, { priority: 500, secretId: specific.secretId });
    const wild = addSite(gw, s.gwId, `*.${domain}`, { priority: 110, secretId: wildcard.secretId });
    await put(s, gw);
    const plane = await planeFor(s);
    expect(await servedSerial(plane, www)).toBe(wildcard.serial); // shadowed
    expect(await servedSerial(plane, `deep.er.${domain}`)).toBe(wildcard.serial); // `*` spans dots
    expect(await servedSerial(plane, `other.test`)).toBeUndefined();

    // Ordered as the docs advise (site-specific before wildcard), the specific listener serves its host.
    const fixed: Any = await client.applicationGateways.get(s.rg, s.name);
    fixed.requestRoutingRules.find((r: Any) => r.name === wild.ruleName).priority = 900;
    await put(s, fixed);
    expect(await servedSerial(plane, www)).toBe(specific.serial);
    expect(await servedSerial(plane, `api.${domain}`)).toBe(wildcard.serial);
  });

  it('a basic listener (no host name) takes every host once its rule comes first, and only the rest when it comes last', async () => {
    const s = fx.seed();
    const host = `${rand('site')}.test`;
    const own = certificate([host]);
    const basic = certificate(['basic.invalid']);
    const gw: Any = await client.applicationGateways.get(s.rg, s.name);
    addSite(gw, s.gwId, host, { priority: 300, secretId: own.secretId });
    const catchAll = addSite(gw, s.gwId, '', { priority: 120, secretId: basic.secretId });
    await put(s, gw);
    const plane = await planeFor(s);
    expect(await servedSerial(plane, host)).toBe(basic.serial);
    expect(await servedSerial(plane, `${rand('any')}.test`)).toBe(basic.serial);

    const fixed: Any = await client.applicationGateways.get(s.rg, s.name);
    fixed.requestRoutingRules.find((r: Any) => r.name === catchAll.ruleName).priority = 20000;
    await put(s, fixed);
    expect(await servedSerial(plane, host)).toBe(own.serial);
    expect(await servedSerial(plane, `${rand('any')}.test`)).toBe(basic.serial);
  });

  it('ignores a listener no rule uses, and one on another frontend port', async () => {
    const s = fx.seed();
    const idle = `${rand('idle')}.test`;
    const elsewhere = `${rand('port')}.test`;
    const gw: Any = await client.applicationGateways.get(s.rg, s.name);
    addSite(gw, s.gwId, idle, { priority: 130, secretId: certificate([idle]).secretId });
    gw.requestRoutingRules.pop(); // the listener stays, its rule goes
    gw.frontendPorts.push({ name: 'port_8443', port: 8443 });
    addSite(gw, s.gwId, elsewhere, { priority: 131, secretId: certificate([elsewhere]).secretId, port: 'port_8443' });
    await put(s, gw);
    const plane = await planeFor(s);
    expect(await servedSerial(plane, idle)).toBeUndefined();
    expect(await servedSerial(plane, elsewhere)).toBeUndefined();
  });

  it("matches `?` as one character and any of a listener's host names", async () => {
    const s = fx.seed();
    const domain = `${rand('q')}.test`;
    const multi = certificate([`app?.${domain}`, `portal.${domain}`]);
    const gw: Any = await client.applicationGateways.get(s.rg, s.name);
    addSite(gw, s.gwId, [`app?.${domain}`, `PORTAL.${domain}`], { priority: 140, secretId: multi.secretId });
    await put(s, gw);
    const plane = await planeFor(s);
    expect(await servedSerial(plane, `app1.${domain}`)).toBe(multi.serial);
    expect(await servedSerial(plane, `portal.${domain}`)).toBe(multi.serial);
    expect(await servedSerial(plane, `app12.${domain}`)).toBeUndefined();
    expect(await servedSerial(plane, `app.${domain}`)).toBeUndefined();
  });
});
