/**
 * Import of a user's certificate and key into Key Vault, called by the import starter itself so
 * the key never enters the durable store (inputs, history and outputs are kept by the task hub).
 *
 * The key travels as a PFX built in memory without a password: Key Vault then stores it as its
 * own secret, and the 4.10 SDK's `importCertificate` does not send a policy, so a PEM import
 * (which needs `contentType: application/x-pem-file`) is not an option.
 */
import { X509Certificate, createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { Forge, forge } from '../forge';
import type { AppConfig } from '../config';
import { certificateClient } from '../clients';
import { AppError } from '../errors';
import type { Hostname } from '../hostnames';
import { IMPORTED_SOURCE, MANAGED_BY, Tags, keyVaultError } from './keyVault';
import { conflictError } from './keyVaultNames';

/** `source=imported` and no `acme-directory`: renewal lists these but never re-issues them. */

export interface ImportMaterial {
  readonly keyPem: string;
  readonly certificateChainPem: readonly string[];
}

function node(type: number, value: Forge.asn1.Asn1[] | string, constructed = Array.isArray(value)): Forge.asn1.Asn1 {
  return forge().asn1.create(forge().asn1.Class.UNIVERSAL, type, constructed, value);
}

function oid(id: string): Forge.asn1.Asn1 {
  return node(forge().asn1.Type.OID, forge().asn1.oidToDer(id).getBytes());
}

function explicit0(inner: Forge.asn1.Asn1): Forge.asn1.Asn1 {
  return forge().asn1.create(forge().asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
}

function fromDer(der: Buffer): Forge.asn1.Asn1 {
  return forge().asn1.fromDer(forge().util.createBuffer(der.toString('binary')));
}

function toBytes(value: Forge.asn1.Asn1): string {
  return forge().asn1.toDer(value).getBytes();
}

/** PKCS#7 ContentInfo of type data (RFC 7292 §4.1: unencrypted SafeContents). */
function dataContentInfo(content: Forge.asn1.Asn1): Forge.asn1.Asn1 {
  return node(forge().asn1.Type.SEQUENCE, [oid(forge().pki.oids.data as string), explicit0(node(forge().asn1.Type.OCTETSTRING, toBytes(content)))]);
}

/**
 * A password-less PFX (RFC 7292) holding the key and the chain, leaf first. Built from node's own
 * PKCS#8 and certificate DER rather than with forge's `toPkcs12Asn1`, which can only wrap RSA
 * keys and parse RSA certificates; the layout is the same (certificates, key, SHA-1 MAC with the
 * empty password as OpenSSL expects), and a localKeyId pairs the key with the leaf.
 */
export function buildPfx(material: ImportMaterial): Buffer {
  const chain = material.certificateChainPem.map((pem) => new X509Certificate(pem));
  const leaf = chain[0];
  if (!leaf) throw new AppError('InvalidInput', 'No certificate to import');
  const pkcs8 = createPrivateKey(material.keyPem).export({ type: 'pkcs8', format: 'der' });
  const localKeyId = createHash('sha1').update(leaf.raw).digest().toString('binary');
  const attributes = node(forge().asn1.Type.SET, [
    node(forge().asn1.Type.SEQUENCE, [
      oid(forge().pki.oids.localKeyId as string),
      node(forge().asn1.Type.SET, [node(forge().asn1.Type.OCTETSTRING, localKeyId)]),
    ]),
  ]);

  const certBags = chain.map((certificate, index) =>
    node(forge().asn1.Type.SEQUENCE, [
      oid(forge().pki.oids.certBag as string),
      explicit0(
        node(forge().asn1.Type.SEQUENCE, [
          oid(forge().pki.oids.x509Certificate as string),
          explicit0(node(forge().asn1.Type.OCTETSTRING, certificate.raw.toString('binary'))),
        ]),
      ),
      ...(index === 0 ? [attributes] : []),
    ]),
  );
  const keyBag = node(forge().asn1.Type.SEQUENCE, [oid(forge().pki.oids.keyBag as string), explicit0(fromDer(pkcs8)), attributes]);
  const authenticatedSafe = node(forge().asn1.Type.SEQUENCE, [
    dataContentInfo(node(forge().asn1.Type.SEQUENCE, certBags)),
    dataContentInfo(node(forge().asn1.Type.SEQUENCE, [keyBag])),
  ]);

  const iterations = 2048;
  const salt = forge().util.createBuffer(randomBytes(8).toString('binary'));
  const macKey = forge().pkcs12.generateKey(null as unknown as string, salt, 3, iterations, 20);
  const hmac = forge().hmac.create();
  hmac.start('sha1', macKey);
  hmac.update(toBytes(authenticatedSafe));
  const macData = node(forge().asn1.Type.SEQUENCE, [
    node(forge().asn1.Type.SEQUENCE, [
      node(forge().asn1.Type.SEQUENCE, [oid(forge().pki.oids.sha1 as string), node(forge().asn1.Type.NULL, '', false)]),
      node(forge().asn1.Type.OCTETSTRING, hmac.digest().getBytes()),
    ]),
    node(forge().asn1.Type.OCTETSTRING, salt.getBytes()),
    node(forge().asn1.Type.INTEGER, forge().asn1.integerToDer(iterations).getBytes()),
  ]);
  const pfx = node(forge().asn1.Type.SEQUENCE, [
    node(forge().asn1.Type.INTEGER, forge().asn1.integerToDer(3).getBytes()),
    dataContentInfo(authenticatedSafe),
    macData,
  ]);
  return Buffer.from(toBytes(pfx), 'binary');
}

interface RestLike {
  statusCode?: number;
}

/**
 * Imports a new version of `certificateName`. A pending operation left by an earlier, failed
 * issuance makes Key Vault answer 409; the caller has checked that no issuance is running, so it
 * is stale and is cancelled once before a second attempt.
 */
export async function importCertificateVersion(
  config: AppConfig,
  certificateName: string,
  hostname: Hostname,
  material: ImportMaterial,
): Promise<{ version: string }> {
  const client = certificateClient(config);
  const pfx = buildPfx(material);
  const tags = { [Tags.ManagedBy]: MANAGED_BY, [Tags.Hostnames]: hostname, [Tags.Source]: IMPORTED_SOURCE };
  const attempt = () => client.importCertificate(certificateName, pfx, { tags, enabled: true });
  let imported;
  try {
    imported = await attempt();
  } catch (error) {
    if ((error as RestLike).statusCode !== 409) throw keyVaultError('Importing the certificate into Key Vault', error);
    const final = conflictError(error, certificateName, 'Importing the certificate into Key Vault');
    if (final) throw final;
    try {
      await client.deleteCertificateOperation(certificateName);
      imported = await attempt();
    } catch (retryError) {
      throw keyVaultError('Importing the certificate into Key Vault (after cancelling a stale pending operation)', retryError);
    }
  }
  const version = imported.properties.version;
  if (!version) throw new AppError('KeyVaultError', 'Key Vault did not return the imported version', true);
  return { version };
}
