/**
 * The Key Vault REST operations the emulator serves, as a route table (paths as the SDKs send them:
 * @azure/keyvault-certificates 4.10 and @azure/keyvault-secrets 4.11 `api/operations.js`).
 */
import * as certificates from './certificates';
import { KvError, notModelled } from './errors';
import type { Ctx, Reply } from './http';
import * as secrets from './secrets';
import * as softDelete from './softDelete';
import type { Vault } from './vault';

// Key Vault object names: 1-127 characters of 0-9, a-z, A-Z and '-'.
const NAME = '([0-9a-zA-Z-]{1,127})';
type Handler = (vault: Vault, ctx: Ctx, name: string, version: string) => Reply;

const refuse: Handler = (_v, c) => {
  throw notModelled(`${c.method} ${c.path}`);
};

// Order matters: `pending`, `policy` and `versions` would otherwise be read as version ids, and
// `issuers` and `contacts` as certificate names (a silent 404 where the real vault has a route).
const ROUTES: Array<[string, RegExp, Handler]> = [
  ['*', /^\/certificates\/(issuers|contacts)(\/|$)/, refuse],
  ['GET', /^\/certificates\/?$/, (v, c) => certificates.listCertificates(v, c)],
  ['POST', new RegExp(`^/certificates/${NAME}/create$`), (v, c, n) => certificates.createCertificate(v, n, c.body)],
  ['POST', new RegExp(`^/certificates/${NAME}/import$`), (v, c, n) => certificates.importCertificate(v, n, c.body)],
  ['POST', new RegExp(`^/certificates/${NAME}/pending/merge$`), (v, c, n) => certificates.mergeCertificate(v, n, c.body)],
  ['GET', new RegExp(`^/certificates/${NAME}/pending$`), (v, _c, n) => certificates.getOperation(v, n)],
  ['PATCH', new RegExp(`^/certificates/${NAME}/pending$`), (v, c, n) => certificates.updateOperation(v, n, c.body)],
  ['DELETE', new RegExp(`^/certificates/${NAME}/pending$`), (v, _c, n) => certificates.deleteOperation(v, n)],
  ['GET', new RegExp(`^/certificates/${NAME}/policy$`), (v, _c, n) => certificates.getPolicy(v, n)],
  ['PATCH', new RegExp(`^/certificates/${NAME}/policy$`), (v, c, n) => certificates.updatePolicy(v, n, c.body)],
  ['GET', new RegExp(`^/certificates/${NAME}/versions$`), (v, c, n) => certificates.listVersions(v, n, c)],
  ['GET', new RegExp(`^/certificates/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, _c, n, ver) => certificates.getCertificate(v, n, ver)],
  ['PATCH', new RegExp(`^/certificates/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, c, n, ver) => certificates.updateCertificate(v, n, ver, c.body)],
  ['DELETE', new RegExp(`^/certificates/${NAME}/?$`), (v, _c, n) => softDelete.deleteCertificate(v, n)],
  ['GET', /^\/deletedcertificates\/?$/, (v, c) => softDelete.listDeletedCertificates(v, c)],
  ['GET', new RegExp(`^/deletedcertificates/${NAME}/?$`), (v, _c, n) => softDelete.getDeletedCertificate(v, n)],
  ['DELETE', new RegExp(`^/deletedcertificates/${NAME}/?$`), (v, _c, n) => softDelete.purgeDeletedCertificate(v, n)],
  ['POST', new RegExp(`^/deletedcertificates/${NAME}/recover$`), (v, _c, n) => softDelete.recoverDeletedCertificate(v, n)],
  ['PUT', new RegExp(`^/secrets/${NAME}/?$`), (v, c, n) => secrets.setSecret(v, n, c.body)],
  ['GET', new RegExp(`^/secrets/${NAME}/versions$`), (v, c, n) => secrets.listSecretVersions(v, n, c)],
  ['GET', new RegExp(`^/secrets/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, c, n, ver) => secrets.getSecret(v, n, ver, c.query.get('outContentType'))],
  ['DELETE', new RegExp(`^/secrets/${NAME}/?$`), (v, _c, n) => softDelete.deleteSecret(v, n)],
  ['GET', /^\/deletedsecrets\/?$/, (v, c) => softDelete.listDeletedSecrets(v, c)],
  ['GET', new RegExp(`^/deletedsecrets/${NAME}/?$`), (v, _c, n) => softDelete.getDeletedSecret(v, n)],
  ['DELETE', new RegExp(`^/deletedsecrets/${NAME}/?$`), (v, _c, n) => softDelete.purgeDeletedSecret(v, n)],
  ['POST', new RegExp(`^/deletedsecrets/${NAME}/recover$`), (v, _c, n) => softDelete.recoverDeletedSecret(v, n)],
];

export function route(vault: Vault, ctx: Ctx): Reply {
  for (const [method, pattern, handler] of ROUTES) {
    const m = method === '*' || method === ctx.method ? pattern.exec(ctx.path) : null;
    if (m) return handler(vault, ctx, m[1] ?? '', m[2] ?? '');
  }
  throw new KvError(
    400,
    'BadParameter',
    `The Key Vault emulator has no route for ${ctx.method} ${ctx.path} (unsupported operation, or a name outside 1-127 of 0-9, a-z, A-Z, -).`,
  );
}
