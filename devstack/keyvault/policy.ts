/** Certificate policies as the vault stores them: defaults, merge with the previous policy, checks. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { KvError } from './errors';
import { defined, num, obj, str, Wire } from './json';
import { PEM, PFX, unixNow } from './model';

const SERVER_AND_CLIENT_AUTH = ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'];

/** The policy as the vault stores it: the request's fields over the previous policy over the service defaults. */
export function normalizePolicy(url: string, name: string, request: Wire, previous: Wire | undefined): Wire {
  const prev = previous ?? {};
  const keyProps = { exportable: true, kty: 'RSA', key_size: 2048, reuse_key: false, ...obj(prev.key_props), ...defined(obj(request.key_props)) };
  const kty = str(keyProps.kty) ?? 'RSA';
  if (kty !== 'RSA' && kty !== 'RSA-HSM') {
    throw new KvError(400, 'BadParameter', `Key type '${kty}' is not supported: the Key Vault emulator only does RSA keys (use kty RSA).`);
  }
  if (![2048, 3072, 4096].includes(num(keyProps.key_size) ?? 0)) {
    throw new KvError(400, 'BadParameter', `RSA key_size must be 2048, 3072 or 4096 (got ${String(keyProps.key_size)}).`);
  }
  const secretProps = { contentType: PFX, ...obj(prev.secret_props), ...defined(obj(request.secret_props)) };
  if (secretProps.contentType !== PFX && secretProps.contentType !== PEM) {
    throw new KvError(400, 'BadParameter', `secret_props.contentType must be ${PFX} or ${PEM} (got ${String(secretProps.contentType)}).`);
  }
  const x509 = {
    ekus: SERVER_AND_CLIENT_AUTH,
    key_usage: ['digitalSignature', 'keyEncipherment'],
    validity_months: 12,
    basic_constraints: { ca: false },
    ...obj(prev.x509_props),
    ...defined(obj(request.x509_props)),
  } as Wire;
  const sans = obj(x509.sans);
  if (!str(x509.subject) && !(sans && Object.values(sans).some((v) => Array.isArray(v) && v.length > 0))) {
    throw new KvError(400, 'BadParameter', 'The policy needs x509_props.subject or at least one subject alternative name.');
  }
  const issuer = { name: 'Unknown', ...obj(prev.issuer), ...defined(obj(request.issuer)) };
  const now = unixNow();
  return {
    id: `${url}/certificates/${name}/policy`,
    key_props: keyProps,
    secret_props: secretProps,
    x509_props: x509,
    lifetime_actions: request.lifetime_actions ?? prev.lifetime_actions ?? [{ trigger: { lifetime_percentage: 80 }, action: { action_type: 'EmailContacts' } }],
    issuer,
    attributes: { enabled: true, created: num(obj(prev.attributes)?.created) ?? now, updated: now },
  };
}

/** The policy the vault derives from an imported certificate when none is given. */
export function importedPolicy(url: string, name: string, leafDerBytes: Buffer, keyPem: string, format: 'pfx' | 'pem'): Wire {
  const leaf = new X509Certificate(leafDerBytes);
  const dnsNames = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const bits = createPrivateKey(keyPem).asymmetricKeyDetails?.modulusLength ?? 2048;
  const subject = leaf.subject.split('\n').reverse().join(', ');
  return normalizePolicy(
    url,
    name,
    {
      key_props: { kty: 'RSA', key_size: bits, exportable: true, reuse_key: false },
      secret_props: { contentType: format === 'pem' ? PEM : PFX },
      x509_props: { subject, sans: dnsNames.length ? { dns_names: dnsNames } : {} },
      issuer: { name: 'Unknown' },
    },
    undefined,
  );
}
