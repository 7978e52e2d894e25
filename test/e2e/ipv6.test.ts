/**
 * A hostname with A → the gateway and AAAA → another server: the CA (which tries IPv6 first, as
 * Let's Encrypt does) would validate against the other server and fail, spending a validation.
 * The DNS check resolves AAAA too, through the CNAME chain, and fails before any order.
 */
import { createServer, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';

describe('an AAAA record that is not the gateway', () => {
  let app: AppOnStack;
  let other: Server;
  beforeAll(async () => {
    app = await startAppOnStack();
    // "Another server" on the IPv6 loopback, on the port Pebble's validator dials, answering 404.
    other = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('not here');
    });
    await new Promise<void>((resolve) => other.listen(app.stack.dataPlane.httpPort, '::1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => other?.close(resolve));
    await app?.stop();
  });

  const scheduled = (id: string) =>
    app.harness
      .getStatus(id)
      .history.filter((e) => e.EventType === 4)
      .map((e) => String(e.Name));

  it.each([
    ['on the hostname itself', false],
    ['at the end of a CNAME chain', true],
  ])('fails with HostnameNotResolvingToApplicationGateway naming the IPv6 address (%s), before any ACME order', async (_where, viaCname) => {
    const host = randomHostname('aaaa');
    const target = viaCname ? randomHostname('edge') : host;
    if (viaCname) await app.stack.pebble.setCname(host, target);
    await app.stack.pebble.setAAAARecord(target, '::1');
    const response = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    const id = response.json().id as string;
    const final = await app.harness.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(final.runtimeStatus).toBe('Failed');
    expect(final.customStatus).toMatchObject({
      error: 'HostnameNotResolvingToApplicationGateway',
      message: expect.stringMatching(/IPv6 address ::1.*tries IPv6 first/),
    });
    expect(scheduled(id)).not.toContain('createAcmeOrder');
  });
});
