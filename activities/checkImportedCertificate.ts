import { Activities } from '../lib/activityContracts';
import { certificateClient } from '../lib/clients';
import { keyVaultError, secretIdFor } from '../lib/adapters/keyVault';
import { fail } from '../lib/outcome';
import { ErrorCodes } from '../lib/status';
import { defineActivity } from './defineActivity';

/** Read-only: confirms the version the starter imported is there and enabled, and returns its ids. */
export const checkImportedCertificate = defineActivity(Activities.checkImportedCertificate, async ({ hostname, certificateName, version }, config) => {
  let certificate;
  try {
    certificate = await certificateClient(config).getCertificateVersion(certificateName, version);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      return fail(ErrorCodes.ImportedCertificateNotFound, `Version ${version} of certificate ${certificateName} for ${hostname} is not in Key Vault (deleted since the import?); import it again`);
    }
    throw keyVaultError('Reading the imported certificate', error);
  }
  if (certificate.properties.enabled === false) {
    return fail(ErrorCodes.ImportedCertificateNotFound, `Version ${version} of certificate ${certificateName} for ${hostname} is disabled in Key Vault; import it again`);
  }
  return {
    ok: true,
    secretId: secretIdFor(config, certificateName),
    thumbprint: Buffer.from(certificate.properties.x509Thumbprint ?? new Uint8Array()).toString('hex').toUpperCase(),
    expiresOn: certificate.properties.expiresOn?.toISOString() ?? '',
  };
});
