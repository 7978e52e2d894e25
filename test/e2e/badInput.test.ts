/**
 * Bad input across the HTTP functions not covered by starters.test.ts and importCertificate.test.ts:
 * every case gets a 4xx with {"error":{"code","message"}}, starts nothing and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, startAppOnStack } from '../../devstack/stack/appOnStack';
import { challengeBlobNames } from './appFixture';

const SINGLE = 'AddCertificateFunctions_HttpStart';
const MULTI = 'AddMultipleCertificatesFunctions_HttpStart';
const RENEW = 'RenewCertificatesFunctions_HttpStart';

type Case = [name: string, fn: string, body: string, contentType: string | undefined, status: number, message: RegExp];

const cases: Case[] = [
  ['multi: a nested array as hostname', MULTI, '{"hostnames":[{"hostname":[["a.robot.test"]]}]}', 'application/json', 400, /must be a string/],
  ['multi: a number as hostname', MULTI, '{"hostnames":[{"hostname":42}]}', 'application/json', 400, /must be a string/],
  ['multi: null entry', MULTI, '{"hostnames":[null]}', 'application/json', 400, /must be an object/],
  [
    'multi: a name over 253 characters',
    MULTI,
    JSON.stringify({ hostnames: [{ hostname: `${'abcdefghij.'.repeat(24)}robot.test` }] }),
    'application/json',
    400,
    /253/,
  ],
  ['multi: bad characters', MULTI, '{"hostnames":[{"hostname":"exa mple.robot.test"}]}', 'application/json', 400, /not a URL|invalid/],
  ['multi: a URL instead of a name', MULTI, '{"hostnames":[{"hostname":"https://a.robot.test/"}]}', 'application/json', 400, /not a URL/],
  ['multi: wrong content type', MULTI, '{"hostnames":[{"hostname":"a.robot.test"}]}', 'text/plain', 400, /Content-Type/],
  [
    'multi: a body over the size limit',
    MULTI,
    JSON.stringify({ hostnames: [{ hostname: 'a.robot.test' }], pad: 'x'.repeat(70_000) }),
    'application/json',
    413,
    /larger than/,
  ],
  [
    'multi: prototype pollution at the top',
    MULTI,
    '{"hostnames":[{"hostname":"a.robot.test"}],"constructor":{"prototype":{"x":1}}}',
    'application/json',
    400,
    /forbidden key/,
  ],
  ['renew: malformed JSON', RENEW, '{"force":', 'application/json', 400, /not valid JSON/],
  ['renew: force is not a boolean', RENEW, '{"force":"yes"}', 'application/json', 400, /"force" must be true or false/],
  ['renew: an unknown field', RENEW, '{"everything":true}', 'application/json', 400, /Unknown field "everything"/],
  ['renew: hostnames not an array', RENEW, '{"hostnames":"a.robot.test"}', 'application/json', 400, /must be an array/],
  ['renew: an IP address', RENEW, '{"hostnames":[{"hostname":"10.0.0.1"}]}', 'application/json', 400, /IP address/],
  ['renew: a JSON array body', RENEW, '[1,2]', 'application/json', 400, /JSON object/],
  ['single: JSON null', SINGLE, 'null', 'application/json', 400, /JSON object/],
];

describe('bad input is refused before anything happens', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it.each(cases)('%s → %i… with a coded JSON error', async (_name, fn, body, contentType, status, message) => {
    const before = { instances: app.harness.instanceIds().length, certs: app.stack.keyVault.certificateNames().length, puts: app.stack.arm.putCount };
    const response = await app.harness.callHttp(fn, {
      method: 'POST',
      url: `http://localhost:7071/api/${fn}?code=k`,
      headers: { ...(contentType ? { 'content-type': contentType } : {}), 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    expect(response.status).toBe(status);
    const json = response.json();
    expect(Object.keys(json)).toEqual(['error']);
    expect(json.error.code).toEqual(expect.any(String));
    expect(json.error.message).toMatch(message);
    expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+|RestError|x-ms-request-id/);
    expect(app.harness.instanceIds().length).toBe(before.instances);
    expect(app.stack.keyVault.certificateNames().length).toBe(before.certs);
    expect(app.stack.arm.putCount).toBe(before.puts);
    expect(await challengeBlobNames(app)).toEqual([]);
  });
});
