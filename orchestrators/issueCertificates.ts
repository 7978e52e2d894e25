/**
 * Several hostnames: one child orchestration each, in parallel, then ONE gateway update for all
 * certificates that were issued (each gateway PUT takes minutes and blocks every other writer).
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { toCodedFailure } from '../lib/errors';
import { Hostname, hostname as parseValidHostname } from '../lib/hostnames';
import { issuanceInstanceId } from '../lib/naming';
import { ErrorCodes, HostnameProgress, Steps, failure, progress } from '../lib/status';
import { bindGateway } from './bindGateway';
import type { IssueCertificateOutput } from './issueCertificate';
import type { IssuanceResult } from './issuanceRecipe';
import { IssueCertificateInput, IssueCertificatesInput, Orchestrators } from './names';

export const issueCertificatesOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as IssueCertificatesInput;
  const hostnames: Hostname[] = input.hostnames.map(parseValidHostname);
  const states: Record<string, HostnameProgress> = Object.fromEntries(
    hostnames.map((h) => [h, { status: 'Pending', instanceId: issuanceInstanceId(h) } satisfies HostnameProgress]),
  );
  context.df.setCustomStatus(progress(Steps.IssueCertificates, `Issuing ${hostnames.length} certificate(s)`, states));

  const children: Task[] = hostnames.map((h) =>
    context.df.callSubOrchestrator(Orchestrators.IssueCertificate, { hostname: h, bindGateway: false } satisfies IssueCertificateInput, issuanceInstanceId(h)),
  );
  let results: IssuanceResult[];
  try {
    const outputs = (yield context.df.Task.all(children)) as IssueCertificateOutput[];
    results = outputs.map((o) => o.result);
  } catch (error) {
    // Children report failures as values; this is a child failing outright (e.g. its id is taken).
    const coded = toCodedFailure(error);
    for (const h of hostnames) states[h] = { status: 'Failed', error: coded.code, message: coded.message, instanceId: issuanceInstanceId(h) };
    context.df.setCustomStatus(failure(coded.code, `A per-hostname orchestration failed: ${coded.message}`, states));
    throw new Error(`[${coded.code}] ${coded.message}`);
  }

  const issued = results.filter((r): r is Extract<IssuanceResult, { ok: true }> => r.ok);
  for (const r of results) {
    states[r.hostname] = r.ok
      ? { status: 'Pending', message: 'Issued; binding to the gateway', instanceId: issuanceInstanceId(r.hostname) }
      : { status: 'Failed', error: r.code, message: r.message, instanceId: issuanceInstanceId(r.hostname) };
  }

  let gatewayUpdated = false;
  if (issued.length > 0) {
    context.df.setCustomStatus(progress(Steps.ConfigureApplicationGateway, `Binding ${issued.length} certificate(s) in one gateway update`, states));
    let bindError: { code: (typeof ErrorCodes)[keyof typeof ErrorCodes]; message: string } | undefined;
    try {
      const bound = yield* bindGateway(context, issued.map((r) => ({ hostname: r.hostname, keyVaultSecretId: r.secretId })));
      if (bound.ok) gatewayUpdated = bound.updated;
      else bindError = { code: bound.code, message: bound.message };
    } catch (error) {
      bindError = toCodedFailure(error);
    }
    for (const r of issued) {
      states[r.hostname] = bindError
        ? { status: 'Failed', error: bindError.code, message: `Issued, but the gateway update failed: ${bindError.message}`, instanceId: issuanceInstanceId(r.hostname) }
        : { status: 'Completed', ...(r.warning ? { message: r.warning } : {}), instanceId: issuanceInstanceId(r.hostname) };
    }
  }

  const failedCount = Object.values(states).filter((s) => s.status === 'Failed').length;
  const output = { hostnames: states, gatewayUpdated, certificates: issued };
  if (failedCount === hostnames.length) {
    context.df.setCustomStatus(failure(ErrorCodes.SomeCertificatesFailed, `All ${failedCount} hostname(s) failed; see "hostnames" for each reason`, states));
    throw new Error(`[${ErrorCodes.SomeCertificatesFailed}] All ${failedCount} hostname(s) failed`);
  }
  if (failedCount > 0) {
    context.df.setCustomStatus({ ...progress(Steps.Completed, `${hostnames.length - failedCount} of ${hostnames.length} certificate(s) issued and bound; see "hostnames" for the failures`, states), error: ErrorCodes.SomeCertificatesFailed });
  } else {
    context.df.setCustomStatus(progress(Steps.Completed, `${hostnames.length} certificate(s) issued and bound`, states));
  }
  return output;
};

df.app.orchestration(Orchestrators.IssueCertificates, issueCertificatesOrchestrator);
