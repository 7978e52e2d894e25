import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resolver } from 'node:dns/promises';
import { BlobServiceClient } from '@azure/storage-blob';
import { loadCa } from '../../devstack/tls/testCa';
import { freePort } from '../../devstack/stack/processes';
import { startPebble, Pebble } from '../../devstack/acme/pebble';
import { startAzurite, Azurite } from '../../devstack/azurite/azurite';

describe('local stack processes', () => {
  let pebble: Pebble;
  let azurite: Azurite;
  beforeAll(async () => {
    [pebble, azurite] = await Promise.all([(async () => startPebble({ ca: loadCa(), httpValidationPort: await freePort() }))(), startAzurite()]);
  });
  afterAll(async () => {
    await Promise.all([pebble?.stop(), azurite?.stop()]);
  });

  it('serves an ACME directory over TLS trusted through the test CA', async () => {
    const dir = (await (await fetch(pebble.directoryUrl)).json()) as Record<string, unknown>;
    expect(dir.newOrder).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
  });

  it('answers A and CNAME records set by a test through challtestsrv', async () => {
    const resolver = new Resolver();
    resolver.setServers([pebble.dnsServer]);
    const host = `h${Date.now()}.example.test`;
    await pebble.setARecord(host, '127.0.0.7');
    expect(await resolver.resolve4(host)).toEqual(['127.0.0.7']);
    const alias = `alias-${host}`;
    await pebble.setCname(alias, host);
    expect(await resolver.resolveCname(alias)).toEqual([host]);
  });

  it('stores blobs through the real SDK and serves them anonymously from a public container', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = service.getContainerClient(`c${Date.now()}`);
    await container.create({ access: 'blob' });
    await container.getBlockBlobClient('token-1').upload('key-auth', 8);
    const res = await fetch(`${azurite.blobEndpoint}/${container.containerName}/token-1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('key-auth');
  });
});
