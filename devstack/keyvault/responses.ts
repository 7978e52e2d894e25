/** The JSON bodies and headers the vault answers with: certificates, pending operations, secrets, deleted objects, pages. */
import type { Ctx, Reply } from './http';
import { leafDer, sha1 } from './crypto';
import { num, Wire } from './json';
import { CertRecord, CertVersion, PendingOperation, SecretVersion, Tombstone, versionAttributes } from './model';
import type { Recovery } from './settings';

export function certificateBody(url: string, rec: CertRecord, v: CertVersion, recovery: Recovery): Wire {
  const body: Wire = {
    id: `${url}/certificates/${rec.name}/${v.version}`,
    kid: `${url}/keys/${rec.name}/${v.version}`,
    sid: `${url}/secrets/${rec.name}/${v.version}`,
    x5t: sha1(leafDer(v)).toString('base64url'),
    cer: leafDer(v).toString('base64'),
    attributes: versionAttributes(v, recovery),
    policy: rec.policy,
  };
  if (Object.keys(v.tags).length) body.tags = v.tags;
  if (rec.pending) body.pending = { id: `${url}/certificates/${rec.name}/pending` };
  return body;
}

/** The disabled placeholder version: no cer, kid, sid or x5t; a `pending` link only while an operation exists. */
export function placeholderBody(url: string, rec: CertRecord, recovery: Recovery): Wire {
  const p = rec.placeholder;
  if (!p) throw new Error(`certificate ${rec.name} has no placeholder`);
  const body: Wire = {
    id: `${url}/certificates/${rec.name}/${p.version}`,
    attributes: { enabled: false, nbf: p.nbf, exp: p.exp, created: p.created, updated: p.created, ...recovery },
    policy: rec.policy,
  };
  if (p.tags && Object.keys(p.tags).length) body.tags = p.tags;
  if (rec.pending) body.pending = { id: `${url}/certificates/${rec.name}/pending` };
  return body;
}

/** What `GET /certificates/{name}/` shows as latest: the placeholder while it is the newest version. */
export function latestCertificateBody(url: string, rec: CertRecord, recovery: Recovery): Wire {
  const latest = rec.versions.at(-1);
  if (rec.placeholder || !latest) return placeholderBody(url, rec, recovery);
  return certificateBody(url, rec, latest, recovery);
}

export function operationBody(url: string, rec: CertRecord, op: PendingOperation): Wire {
  const body: Wire = {
    id: `${url}/certificates/${rec.name}/pending`,
    issuer: { name: op.issuerName },
    csr: op.csrDer.toString('base64'),
    cancellation_requested: op.cancellationRequested,
    status: op.status,
    request_id: op.requestId,
  };
  // The recording of a completed Self operation has no status_details at all.
  if (op.statusDetails) body.status_details = op.statusDetails;
  if (op.target) body.target = op.target;
  return body;
}

export function operationHeaders(url: string, rec: CertRecord, op: PendingOperation): Record<string, string> {
  // Retry-After: 10 as in the real create recording (azure-sdk-for-js lro.create recording @ 26479601).
  return { location: `${url}/certificates/${rec.name}/pending?api-version=7.6&request_id=${op.requestId}`, 'retry-after': '10' };
}

/**
 * A secret version. `withValue: false` for deleted secrets: the listing of deleted secrets is
 * metadata only, and the emulator also keeps the value out of DELETE, GET deleted and recover
 * (the stricter reading of REST spec `DeletedSecretBundle`, which merely allows `value`).
 */
export function secretBody(url: string, name: string, s: SecretVersion, recovery: Recovery, withValue = true): Wire {
  const attributes: Wire = { enabled: s.enabled, created: s.created, updated: s.created, ...recovery };
  if (s.nbf !== undefined) attributes.nbf = s.nbf;
  if (s.exp !== undefined) attributes.exp = s.exp;
  const body: Wire = { id: `${url}/secrets/${name}/${s.version}`, attributes };
  if (withValue) body.value = s.value;
  if (s.contentType !== undefined) body.contentType = s.contentType;
  if (Object.keys(s.tags).length) body.tags = s.tags;
  return body;
}

/**
 * `recoveryId`, `deletedDate`, `scheduledPurgeDate` of a deleted object (REST spec
 * `DeletedCertificateBundle`, example GetDeletedCertificate-example.json: recoveryId
 * `https://myvault.vault.azure.net/deletedcertificates/<name>`, dates in unix seconds).
 */
export function deletedFields(url: string, t: Tombstone): Wire {
  return { recoveryId: `${url}/deleted${t.kind}s/${t.name}`, deletedDate: t.deletedDate, scheduledPurgeDate: t.scheduledPurgeDate };
}

/** Key Vault pages with `maxresults` (default 25) and an opaque `$skiptoken` inside `nextLink`. */
export function page(url: string, pageSize: number, items: Wire[], ctx: Ctx, path: string): Reply {
  const size = Math.max(1, num(Number(ctx.query.get('maxresults') ?? NaN)) ?? pageSize);
  const skip = Number(ctx.query.get('$skiptoken') ?? 0) || 0;
  const nextSkip = skip + size;
  const next = new URLSearchParams({ 'api-version': ctx.query.get('api-version') ?? '', $skiptoken: String(nextSkip), maxresults: String(size) });
  if (ctx.query.get('includePending')) next.set('includePending', ctx.query.get('includePending') ?? '');
  return {
    status: 200,
    body: { value: items.slice(skip, nextSkip), nextLink: nextSkip < items.length ? `${url}${path}?${next.toString()}` : null },
  };
}
