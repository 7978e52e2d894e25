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
  // Task.any, one child at a time: each hostname's state is published as soon as its child ends,
  // so users polling the batch see progress rather than "Pending" until the slowest one finishes.
  const results: IssuanceResult[] = [];
  const remaining = new Map<Task, Hostname>(children.map((task, i) => [task, hostnames[i] as Hostname]));
  while (remaining.size > 0) {
    const done = (yield context.df.Task.any([...remaining.keys()])) as Task;
    const hostname = remaining.get(done) as Hostname;
    remaining.delete(done);
    const result: IssuanceResult = done.isFaulted
      ? { ok: false, hostname, ...toCodedFailure(done.result) }
      : (done.result as IssueCertificateOutput).result;
    results.push(result);
    states[hostname] = result.ok
      ? { status: 'Pending', message: 'Issued; waiting to bind with the rest of the batch', instanceId: issuanceInstanceId(hostname) }
      : { status: 'Failed', error: result.code, message: result.message, instanceId: issuanceInstanceId(hostname) };
    context.df.setCustomStatus(progress(Steps.IssueCertificates, `${results.length} of ${hostnames.length} hostname(s) done`, states));
  }

  const issued = results.filter((r): r is Extract<IssuanceResult, { ok: true }> => r.ok);

  let gatewayUpdated = false;
  if (issued.length > 0) {
    context.df.setCustomStatus(progress(Steps.ConfigureApplicationGateway, `Binding ${issued.length} certificate(s) in one gateway update`, states));
    const bound = yield* bindGateway(context, issued.map((r) => ({ hostname: r.hostname, keyVaultSecretId: r.secretId })));
    const bindError = bound.ok ? undefined : bound;
    if (bound.ok) gatewayUpdated = bound.updated;
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
