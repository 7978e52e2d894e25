/** The Key Vault REST operations the emulator serves, as a route table. */
import { KvError } from './errors';
import type { Ctx, Reply } from './http';
import type { Vault } from './vault';

// Key Vault object names: 1-127 characters of 0-9, a-z, A-Z and '-'.
const NAME = '([0-9a-zA-Z-]{1,127})';
type Handler = (vault: Vault, ctx: Ctx, name: string, version: string) => Reply;

// Order matters: `pending`, `policy` and `versions` would otherwise be read as version ids.
const ROUTES: Array<[string, RegExp, Handler]> = [
  ['GET', /^\/certificates\/?$/, (v, c) => v.listCertificates(c)],
  ['POST', new RegExp(`^/certificates/${NAME}/create$`), (v, c, n) => v.createCertificate(n, c.body)],
  ['POST', new RegExp(`^/certificates/${NAME}/import$`), (v, c, n) => v.importCertificate(n, c.body)],
  ['POST', new RegExp(`^/certificates/${NAME}/pending/merge$`), (v, c, n) => v.mergeCertificate(n, c.body)],
  ['GET', new RegExp(`^/certificates/${NAME}/pending$`), (v, _c, n) => v.getOperation(n)],
  ['PATCH', new RegExp(`^/certificates/${NAME}/pending$`), (v, c, n) => v.updateOperation(n, c.body)],
  ['DELETE', new RegExp(`^/certificates/${NAME}/pending$`), (v, _c, n) => v.deleteOperation(n)],
  ['GET', new RegExp(`^/certificates/${NAME}/policy$`), (v, _c, n) => v.getPolicy(n)],
  ['GET', new RegExp(`^/certificates/${NAME}/versions$`), (v, c, n) => v.listVersions(n, c)],
  ['GET', new RegExp(`^/certificates/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, _c, n, ver) => v.getCertificate(n, ver)],
  ['PATCH', new RegExp(`^/certificates/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, c, n, ver) => v.updateCertificate(n, ver, c.body)],
  ['PUT', new RegExp(`^/secrets/${NAME}/?$`), (v, c, n) => v.setSecret(n, c.body)],
  ['GET', new RegExp(`^/secrets/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, c, n, ver) => v.getSecret(n, ver, c.query.get('outContentType'))],
];

export function route(vault: Vault, ctx: Ctx): Reply {
  for (const [method, pattern, handler] of ROUTES) {
    const m = method === ctx.method ? pattern.exec(ctx.path) : null;
    if (m) return handler(vault, ctx, m[1] ?? '', m[2] ?? '');
  }
  throw new KvError(
    400,
    'BadParameter',
    `The Key Vault emulator has no route for ${ctx.method} ${ctx.path} (unsupported operation, or a name outside 1-127 of 0-9, a-z, A-Z, -).`,
  );
}
