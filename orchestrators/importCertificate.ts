/**
 * An imported certificate: the starter has already validated it and put it into Key Vault (the
 * key never enters the durable store), so the recipe is check → bind the gateway. Deterministic:
 * no I/O, no clock, no env.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { Activities, ActivityOutput } from '../lib/activityContracts';
import { CodedFailure, toCodedFailure } from '../lib/errors';
import { hostname as parseValidHostname } from '../lib/hostnames';
import { gatewayNames } from '../lib/naming';
import { Steps, failure, progress } from '../lib/status';
import { bindGateway } from './bindGateway';
import { callActivity, log } from './durableCalls';

export const IMPORT_CERTIFICATE_ORCHESTRATOR = 'ImportCertificateOrchestrator';

/** Names and ids only: the certificate and key stay in Key Vault. */
export interface ImportCertificateInput {
  readonly hostname: string;
  readonly certificateName: string;
  readonly version: string;
}

export interface ImportCertificateOutput {
  readonly hostname: string;
  readonly certificateName: string;
  readonly version: string;
  readonly thumbprint: string;
  readonly expiresOn: string;
  readonly listener: string;
  readonly gatewayUpdated: boolean;
}

export const importCertificateOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as ImportCertificateInput;
  const hostname = parseValidHostname(input.hostname);
  const { certificateName, version } = input;

  let failed: CodedFailure;
  try {
    context.df.setCustomStatus(progress(Steps.ImportCertificate, `Checking version ${version} of ${certificateName} in Key Vault`));
    const check = (yield callActivity(context, Activities.checkImportedCertificate, { hostname, certificateName, version })) as ActivityOutput<'checkImportedCertificate'>;
    if (!check.ok) {
      failed = check;
    } else {
      context.df.setCustomStatus(progress(Steps.ConfigureApplicationGateway, `Binding ${hostname} to an HTTPS listener on the Application Gateway`));
      const bound = yield* bindGateway(context, [{ hostname, keyVaultSecretId: check.secretId }], true);
      if (bound.ok) {
        context.df.setCustomStatus(progress(Steps.Completed, `${hostname} is served with the imported certificate ${check.thumbprint} (expires ${check.expiresOn})`));
        const listener = gatewayNames(hostname).listener;
        return { hostname, certificateName, version, thumbprint: check.thumbprint, expiresOn: check.expiresOn, listener, gatewayUpdated: bound.updated } satisfies ImportCertificateOutput;
      }
      failed = { code: bound.code, message: `The certificate is in Key Vault, but the gateway update failed: ${bound.message}` };
    }
  } catch (error) {
    failed = toCodedFailure(error);
  }

  context.df.setCustomStatus(failure(failed.code, failed.message));
  log(context, `${hostname}: import failed with ${failed.code}`);
  throw new Error(`[${failed.code}] ${failed.message}`);
};

df.app.orchestration(IMPORT_CERTIFICATE_ORCHESTRATOR, importCertificateOrchestrator);
