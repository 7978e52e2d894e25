/** Secret operations: set, get (plain secrets and certificates' managed secrets), versions. */
import { derToPem, toPfxBase64 } from './crypto';
import { conflictWithCertificate, disabledSecret, KvError, secretNotFound } from './errors';
import type { Ctx, Reply } from './http';
import { bool, num, obj, str, strMap, Wire } from './json';
import { CertRecord, CertVersion, PEM, PFX, randomHex, SecretVersion, unixNow, versionAttributes } from './model';
import { page, secretBody } from './responses';
import type { Vault } from './vault';

export function setSecret(v: Vault, name: string, body: Wire): Reply {
  v.refuseHeldName(name);
  if (v.cert(name)) throw conflictWithCertificate(name);
  const value = body.value;
  if (typeof value !== 'string') throw new KvError(400, 'BadParameter', 'value is required and must be a string.');
  const attributes = obj(body.attributes);
  const secret: SecretVersion = {
    version: randomHex(),
    value,
    contentType: str(body.contentType),
    created: unixNow(),
    enabled: bool(attributes?.enabled) ?? true,
    nbf: num(attributes?.nbf),
    exp: num(attributes?.exp),
    tags: strMap(body.tags) ?? {},
  };
  const entry = v.secret(name) ?? { name, versions: [] };
  entry.versions.push(secret);
  v.secrets.set(name.toLowerCase(), entry);
  return { status: 200, body: secretBody(v.url, entry.name, secret, v.recovery) };
}

export function getSecret(v: Vault, name: string, version: string, outContentType: string | null): Reply {
  const rec = v.cert(name);
  if (rec && rec.versions.length > 0) return certificateSecret(v, rec, version, outContentType);
  const entry = v.secret(name);
  const secret = version ? entry?.versions.find((s) => s.version === version) : entry?.versions.at(-1);
  if (!entry || !secret) throw secretNotFound(version ? `${name}/${version}` : name);
  if (!secret.enabled) throw disabledSecret();
  return { status: 200, body: secretBody(v.url, entry.name, secret, v.recovery) };
}

/**
 * GET /secrets/{name}/versions: values never appear in a listing. A certificate's managed secret
 * lists one version per certificate version. An unknown name answers an empty list, as the
 * certificate versions listing does (real recording; for secrets assumed, not verified).
 */
export function listSecretVersions(v: Vault, name: string, ctx: Ctx): Reply {
  const rec = v.cert(name);
  const entry = v.secret(name);
  const shown = rec?.name ?? entry?.name ?? name;
  const items: Wire[] = rec
    ? rec.versions.map((cv) => ({ ...managedSecretProperties(v, rec, cv) }))
    : (entry?.versions ?? []).map((s) => secretBody(v.url, shown, s, v.recovery, false));
  return page(v.url, v.pageSize, items, ctx, `/secrets/${shown}/versions`);
}

function managedSecretProperties(v: Vault, rec: CertRecord, cv: CertVersion): Wire {
  const item: Wire = {
    id: `${v.url}/secrets/${rec.name}/${cv.version}`,
    contentType: str(obj(rec.policy.secret_props)?.contentType) ?? PFX,
    kid: `${v.url}/keys/${rec.name}/${cv.version}`,
    managed: true,
    attributes: versionAttributes(cv, v.recovery),
  };
  if (Object.keys(cv.tags).length) item.tags = cv.tags;
  return item;
}

/** A certificate's secret: its key and chain, PFX or PEM as the policy says (App Gateway reads this). */
function certificateSecret(v: Vault, rec: CertRecord, version: string, outContentType: string | null): Reply {
  const cv = rec.versions.find((x) => x.version === version) ?? (version ? undefined : rec.versions.at(-1));
  if (!cv) throw secretNotFound(`${rec.name}/${version}`);
  if (!cv.enabled) throw disabledSecret();
  if (obj(rec.policy.key_props)?.exportable === false) {
    throw new KvError(403, 'Forbidden', `The key of certificate '${rec.name}' is not exportable (policy key_props.exportable=false).`);
  }
  const properties = managedSecretProperties(v, rec, cv);
  const contentType = outContentType === PEM ? PEM : String(properties.contentType);
  const value = contentType === PEM ? [cv.keyPem.trim(), ...cv.chainDer.map((d) => derToPem(d).trim())].join('\n') + '\n' : toPfxBase64(cv.keyPem, cv.chainDer);
  return { status: 200, body: { value, ...properties, contentType } };
}
