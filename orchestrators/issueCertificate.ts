/**
 * One hostname: the recipe, then (when started by the single-hostname starter) the gateway binding.
 * Ends Failed with `customStatus.error` set when started alone; as a batch child it ends Completed
 * and returns the failure as a value, so one bad hostname cannot fail its siblings' Task.all.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { toCodedFailure } from '../lib/errors';
import { gatewayNames } from '../lib/naming';
import { fail } from '../lib/outcome';
import { Steps, failure, progress } from '../lib/status';
import { announceGatewayWrite, bindGateway, withdrawGatewayWrite } from './bindGateway';
import { IssuanceResult, IssueCertificateOutput, Orchestrators } from './contracts';
import { inputOf, log } from './durableCalls';
import { Report, issueOneCertificate } from './issuanceRecipe';

export const issueCertificateOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { hostname, bind, recoverDeleted, gatewayAddresses } = inputOf(context, Orchestrators.IssueCertificate);
  const report: Report = (step, message) => context.df.setCustomStatus(progress(step, message));

  // A writer that is ready first waits (bounded) for this run, so that both share one gateway PUT.
  if (bind) announceGatewayWrite(context, bind);
  let result: IssuanceResult;
  try {
    result = yield* issueOneCertificate(context, hostname, report, recoverDeleted === true, gatewayAddresses);
  } catch (error) {
    result = { ok: false, ...toCodedFailure(error) };
  }
  if (!result.ok && bind) withdrawGatewayWrite(context, bind);

  if (result.ok && bind) {
    report(Steps.ConfigureApplicationGateway, `Binding ${hostname} to an HTTPS listener on the Application Gateway`);
    const bound = yield* bindGateway(context, bind, [{ hostname, keyVaultSecretId: result.secretId }]);
    const refusal = bound.ok ? bound.refused.find((r) => r.hostname === hostname) : undefined;
    if (bound.ok && !refusal) {
      const listener = gatewayNames(hostname).listener;
      context.df.setCustomStatus(
        progress(
          Steps.Completed,
          `${hostname} is served with certificate ${result.thumbprint} (expires ${result.expiresOn})${result.warning ? `. Warning: ${result.warning}` : ''}`,
        ),
      );
      return { result, listener, gatewayUpdated: bound.updated } satisfies IssueCertificateOutput;
    }
    const why = refusal ?? (bound.ok ? undefined : bound);
    if (why) result = fail(why.code, `The certificate is in Key Vault, but the gateway ${refusal ? 'binding was refused' : 'update failed'}: ${why.message}`);
  }

  if (!result.ok) {
    context.df.setCustomStatus(failure(result.code, result.message));
    log(context, `${hostname}: ${result.code}`);
    // A batch child reports by value; a standalone run must end Failed.
    if (bind) throw new Error(`[${result.code}] ${result.message}`);
    return { result } satisfies IssueCertificateOutput;
  }
  context.df.setCustomStatus(progress(Steps.Completed, `Certificate ${result.thumbprint} for ${hostname} is in Key Vault (expires ${result.expiresOn})`));
  return { result } satisfies IssueCertificateOutput;
};

df.app.orchestration(Orchestrators.IssueCertificate, issueCertificateOrchestrator);
