/** The JSON bodies and headers the vault answers with: certificates, pending operations, secrets, pages. */
import type { Ctx, Reply } from './http';
import { leafDer, sha1 } from './crypto';
import { num, Wire } from './json';
import { CertRecord, CertVersion, PendingOperation, RECOVERY, SecretVersion, versionAttributes } from './model';

export function certificateBody(url: string, rec: CertRecord, v: CertVersion): Wire {
  const body: Wire = {
    id: `${url}/certificates/${rec.name}/${v.version}`,
    kid: `${url}/keys/${rec.name}/${v.version}`,
    sid: `${url}/secrets/${rec.name}/${v.version}`,
    x5t: sha1(leafDer(v)).toString('base64url'),
    cer: leafDer(v).toString('base64'),
    attributes: versionAttributes(v),
    policy: rec.policy,
  };
  if (Object.keys(v.tags).length) body.tags = v.tags;
  if (rec.pending) body.pending = { id: `${url}/certificates/${rec.name}/pending` };
  return body;
}

export function placeholderBody(url: string, rec: CertRecord, op: PendingOperation): Wire {
  const p = op.placeholder;
  const body: Wire = {
    id: `${url}/certificates/${rec.name}/${p.version}`,
    attributes: { enabled: false, nbf: p.nbf, exp: p.exp, created: p.created, updated: p.created, ...RECOVERY },
    policy: rec.policy,
    pending: { id: `${url}/certificates/${rec.name}/pending` },
  };
  if (op.createTags && Object.keys(op.createTags).length) body.tags = op.createTags;
  return body;
}

export function operationBody(url: string, rec: CertRecord, op: PendingOperation): Wire {
  const body: Wire = {
    id: `${url}/certificates/${rec.name}/pending`,
    issuer: { name: op.issuerName },
    csr: op.csrDer.toString('base64'),
    cancellation_requested: op.cancellationRequested,
    status: op.status,
    status_details: op.statusDetails,
    request_id: op.requestId,
  };
  if (op.target) body.target = op.target;
  return body;
}

export function operationHeaders(url: string, rec: CertRecord, op: PendingOperation): Record<string, string> {
  return { location: `${url}/certificates/${rec.name}/pending?api-version=7.6&request_id=${op.requestId}`, 'retry-after': '10' };
}

export function secretBody(url: string, name: string, s: SecretVersion): Wire {
  const attributes: Wire = { enabled: s.enabled, created: s.created, updated: s.created, ...RECOVERY };
  if (s.nbf !== undefined) attributes.nbf = s.nbf;
  if (s.exp !== undefined) attributes.exp = s.exp;
  const body: Wire = { value: s.value, id: `${url}/secrets/${name}/${s.version}`, attributes };
  if (s.contentType !== undefined) body.contentType = s.contentType;
  if (Object.keys(s.tags).length) body.tags = s.tags;
  return body;
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