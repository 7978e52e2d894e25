/**
 * One hostname: the recipe, then (when started by the single-hostname starter) the gateway binding.
 * Ends Failed with `customStatus.error` set when started alone; as a batch child it ends Completed
 * and returns the failure as a value, so one bad hostname cannot fail its siblings' Task.all.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { toCodedFailure } from '../lib/errors';
import { hostname as parseValidHostname } from '../lib/hostnames';
import { gatewayNames } from '../lib/naming';
import { Steps, failure, progress } from '../lib/status';
import { bindGateway } from './bindGateway';
import { log } from './durableCalls';
import { IssuanceResult, issueOneCertificate } from './issuanceRecipe';
import { IssueCertificateInput, Orchestrators } from './names';

export interface IssueCertificateOutput {
  readonly result: IssuanceResult;
  readonly listener?: string;
  readonly gatewayUpdated?: boolean;
}

export const issueCertificateOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as IssueCertificateInput;
  const hostname = parseValidHostname(input.hostname);
  const report = (step: Parameters<typeof progress>[0], message: string) => context.df.setCustomStatus(progress(step, message));

  let result: IssuanceResult;
  try {
    result = yield* issueOneCertificate(context, hostname, report);
  } catch (error) {
    result = { ok: false, hostname, ...toCodedFailure(error) };
  }

  if (result.ok && input.bindGateway) {
    report(Steps.ConfigureApplicationGateway, `Binding ${hostname} to an HTTPS listener on the Application Gateway`);
    const bound = yield* bindGateway(context, [{ hostname, keyVaultSecretId: result.secretId }]);
    if (bound.ok) {
      const listener = gatewayNames(hostname).listener;
      context.df.setCustomStatus(progress(Steps.Completed, `${hostname} is served with certificate ${result.thumbprint} (expires ${result.expiresOn})${result.warning ? `. Warning: ${result.warning}` : ''}`));
      return { result, listener, gatewayUpdated: bound.updated } satisfies IssueCertificateOutput;
    }
    result = { ok: false, hostname, code: bound.code, message: `The certificate is in Key Vault, but the gateway update failed: ${bound.message}` };
  }

  if (!result.ok) {
    context.df.setCustomStatus(failure(result.code, result.message));
    log(context, `${hostname}: ${result.code}`);
    // A batch child reports by value; a standalone run must end Failed.
    if (input.bindGateway) throw new Error(`[${result.code}] ${result.message}`);
    return { result } satisfies IssueCertificateOutput;
  }
  context.df.setCustomStatus(progress(Steps.Completed, `Certificate ${result.thumbprint} for ${hostname} is in Key Vault (expires ${result.expiresOn})`));
  return { result } satisfies IssueCertificateOutput;
};

df.app.orchestration(Orchestrators.IssueCertificate, issueCertificateOrchestrator);
