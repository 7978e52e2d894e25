/**
 * An imported certificate: the starter has already validated it and put it into Key Vault (the
 * key never enters the durable store), so the recipe is check → bind the gateway. Deterministic:
 * no I/O, no clock, no env.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { Activities } from '../lib/activityContracts';
import { CodedFailure, toCodedFailure } from '../lib/errors';
import { gatewayNames } from '../lib/naming';
import { ErrorCodes, Steps, failure, progress } from '../lib/status';
import { bindGateway } from './bindGateway';
import { ImportCertificateOutput, Orchestrators } from './contracts';
import { certificateClaimId } from './certificateClaimEntity';
import { call, claimCertificate, inputOf, log } from './durableCalls';

export const importCertificateOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { hostname, certificateName, version, gateway, claimToken } = inputOf(context, Orchestrators.ImportCertificate);

  let failed: CodedFailure;
  // One run per certificate: an issuance or renewal of this certificate must not bind over the import.
  const entity = certificateClaimId(certificateName);
  const claimed = yield* claimCertificate(context, entity, claimToken);
  if (!claimed.granted) {
    failed = {
      code: ErrorCodes.CertificateBusy,
      message: `Another run (${claimed.heldBy}) is working on the certificate for ${hostname}; the imported version ${version} is in Key Vault and the gateway will pick it up; bind it again once that run has ended`,
    };
    context.df.setCustomStatus(failure(failed.code, failed.message));
    throw new Error(`[${failed.code}] ${failed.message}`);
  }
  try {
    context.df.setCustomStatus(progress(Steps.ImportCertificate, `Checking version ${version} of ${certificateName} in Key Vault`));
    const check = yield* call(context, Activities.checkImportedCertificate, { hostname, certificateName, version });
    if (!check.ok) {
      failed = check;
    } else {
      context.df.setCustomStatus(progress(Steps.ConfigureApplicationGateway, `Binding ${hostname} to an HTTPS listener on the Application Gateway`));
      const bound = yield* bindGateway(context, gateway, [{ hostname, keyVaultSecretId: check.secretId }], true);
      const refusal = bound.ok ? bound.refused.find((r) => r.hostname === hostname) : undefined;
      if (bound.ok && !refusal) {
        context.df.setCustomStatus(
          progress(Steps.Completed, `${hostname} is served with the imported certificate ${check.thumbprint} (expires ${check.expiresOn})`),
        );
        const listener = gatewayNames(hostname).listener;
        return {
          hostname,
          certificateName,
          version: check.version,
          thumbprint: check.thumbprint,
          expiresOn: check.expiresOn,
          secretId: check.secretId,
          listener,
          gatewayUpdated: bound.updated,
        } satisfies ImportCertificateOutput;
      }
      const why = refusal ?? (bound.ok ? { code: ErrorCodes.InternalError, message: 'no outcome' } : bound);
      failed = {
        code: why.code,
        message: `The certificate is in Key Vault, but the gateway ${refusal ? 'binding was refused' : 'update failed'}: ${why.message}`,
      };
    }
  } catch (error) {
    failed = toCodedFailure(error);
  } finally {
    context.df.signalEntity(entity, 'release', { instanceId: context.df.instanceId, now: context.df.currentUtcDateTime.toISOString() });
  }

  context.df.setCustomStatus(failure(failed.code, failed.message));
  log(context, `${hostname}: import failed with ${failed.code}`);
  throw new Error(`[${failed.code}] ${failed.message}`);
};

df.app.orchestration(Orchestrators.ImportCertificate, importCertificateOrchestrator);
