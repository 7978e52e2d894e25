import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { withSetting } from './appFixture';

const SINGLE = 'AddCertificateFunctions_HttpStart';
const MULTI = 'AddMultipleCertificatesFunctions_HttpStart';

describe('HTTP starters', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('registers every HTTP function with a key (authLevel function), none anonymous', () => {
    const http = app.registry.byTriggerType('httpTrigger');
    expect(http.map((f) => f.name)).toEqual(
      expect.arrayContaining([MULTI, SINGLE, 'AddCertificateWithPrivateKeyFunctions_HttpStart', 'RenewCertificatesFunctions_HttpStart', 'ListCertificates']),
    );
    for (const f of http) expect(f.trigger.authLevel, f.name).toBe('function');
  });

  it("builds the status URLs from the extension's own host or PublicBaseUrl, never from the request's Host", async () => {
    const spoofed = (hostname: string) =>
      app.harness.callHttp(SINGLE, {
        method: 'POST',
        url: `https://attacker.example/api/${SINGLE}?code=function-key`,
        headers: { 'content-type': 'application/json', host: 'attacker.example' },
        body: JSON.stringify({ hostnames: [{ hostname }] }),
      });
    const first = await spoofed(randomHostname('origin'));
    expect(first.status).toBe(202);
    const urls = Object.values(first.json() as Record<string, string>).filter((v) => /^https?:/.test(v));
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(new URL(url).host).not.toBe('attacker.example');
    expect(first.headers.Location ?? first.headers.location).toBe(first.json().statusQueryGetUri);

    const restore = withSetting('PublicBaseUrl', 'https://certs.contoso.com');
    try {
      const second = await spoofed(randomHostname('origin'));
      for (const [key, url] of Object.entries(second.json() as Record<string, string>)) {
        if (/^https?:/.test(url)) expect(new URL(url).origin, key).toBe('https://certs.contoso.com');
      }
    } finally {
      restore();
    }
  });

  it('registers the starters as POST on routes named after the functions', () => {
    for (const name of [MULTI, SINGLE]) {
      const f = app.registry.require(name);
      expect(f.trigger.methods).toEqual(['POST']);
      expect(f.trigger.route).toBe(name);
    }
  });

  const tooMany = JSON.stringify({ hostnames: Array.from({ length: 51 }, (_, i) => ({ hostname: `h${i}.robot.test` })) });
  const cases: Array<[string, string, string | undefined, RegExp]> = [
    ['malformed JSON', SINGLE, '{"hostnames":', /not valid JSON/],
    ['empty body', SINGLE, '', /empty/],
    ['missing hostnames', SINGLE, '{}', /"hostnames" is required/],
    ['hostnames not an array', MULTI, '{"hostnames":{"hostname":"a.robot.test"}}', /must be an array/],
    ['empty hostnames', MULTI, '{"hostnames":[]}', /must not be empty/],
    ['an IP address', SINGLE, '{"hostnames":[{"hostname":"192.0.2.1"}]}', /IP address/],
    ['a wildcard', SINGLE, '{"hostnames":[{"hostname":"*.robot.test"}]}', /wildcard/],
    ['an underscore', SINGLE, '{"hostnames":[{"hostname":"a_b.robot.test"}]}', /underscore/],
    ['a label over 63', SINGLE, JSON.stringify({ hostnames: [{ hostname: `${'x'.repeat(64)}.robot.test` }] }), /63/],
    ['duplicates after case folding', MULTI, '{"hostnames":[{"hostname":"A.robot.test"},{"hostname":"a.robot.test."}]}', /duplicates/],
    ['too many hostnames', MULTI, tooMany, /at most 50/],
    ['several hostnames on the single endpoint', SINGLE, '{"hostnames":[{"hostname":"a.robot.test"},{"hostname":"b.robot.test"}]}', /exactly one/],
    ['a prototype-pollution key', MULTI, '{"hostnames":[{"hostname":"a.robot.test","__proto__":{"x":1}}]}', /forbidden key/],
  ];

  it.each(cases)('answers 400 with a coded JSON error and starts nothing for %s', async (_name, fn, body, message) => {
    const before = app.harness.instanceIds().length;
    const response = await post(app.harness, fn, body ?? '');
    expect(response.status).toBe(400);
    const json = response.json();
    expect(json.error.code).toBe('InvalidInput');
    expect(json.error.message).toMatch(message);
    expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(app.harness.instanceIds().length).toBe(before);
  });

  it('refuses a non-JSON content type', async () => {
    const response = await app.harness.callHttp(SINGLE, {
      method: 'POST',
      url: `http://localhost:7071/api/${SINGLE}`,
      headers: { 'content-type': 'text/plain' },
      body: '{"hostnames":[{"hostname":"a.robot.test"}]}',
    });
    expect(response.status).toBe(400);
    expect(response.json().error.message).toMatch(/Content-Type/);
  });
});
