/**
 * Several hostnames: one child orchestration each, in parallel, then ONE gateway update for all
 * certificates that were issued (each gateway PUT takes minutes and blocks every other writer).
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { batchChildInstanceId } from '../lib/naming';
import { ErrorCodes, HostnameProgress, Steps, compactStates, failure, progress } from '../lib/status';
import { announceGatewayWrite, bindGateway, withdrawGatewayWrite } from './bindGateway';
import { IssuanceResult, IssuedCertificate, IssueCertificatesOutput, Orchestrators } from './contracts';
import { first, inputOf, subOrchestration, wait } from './durableCalls';
import { readGatewayAddresses } from './issuanceRecipe';
import { toCodedFailure } from '../lib/errors';
import type { Hostname } from '../lib/hostnames';

export const issueCertificatesOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { hostnames, gateway, recoverDeleted } = inputOf(context, Orchestrators.IssueCertificates);
  const childId = (h: Hostname) => batchChildInstanceId(context.df.instanceId, h);
  const states: Record<string, HostnameProgress> = Object.fromEntries(
    hostnames.map((h) => [h, { status: 'Pending', instanceId: childId(h) } satisfies HostnameProgress]),
  );
  // customStatus carries counts and one short state per hostname (request order); details go to the output.
  const compact = () => compactStates(hostnames.map((h) => states[h] as HostnameProgress));
  context.df.setCustomStatus(progress(Steps.IssueCertificates, `Issuing ${hostnames.length} certificate(s)`, compact()));
  // A writer that is ready first waits (bounded) for this batch, so that both share one gateway PUT.
  announceGatewayWrite(context, gateway);

  // The gateway's addresses are read once for every child (one ARM read, not one per hostname).
  const read = yield* readGatewayAddresses(context);
  if (!read.ok) {
    // No child is started: there is no instance to follow.
    for (const h of hostnames) states[h] = { status: 'Failed', error: read.code, message: read.message };
  }
  // One Task.any schedules every child at once; each is then read alone, in request order, and its
  // state published as it is read, so users polling the batch see progress. A scheduled task never
  // joins a second Task.any: the extension would schedule it again (durable-js#574).
  const children = read.ok
    ? hostnames.map(
        (h) =>
          [
            h,
            subOrchestration(
              context,
              Orchestrators.IssueCertificate,
              { hostname: h, gatewayAddresses: read.gatewayAddresses, ...(recoverDeleted ? { recoverDeleted } : {}) },
              childId(h),
            ),
          ] as const,
      )
    : [];
  if (children.length > 0)
    yield* first(
      context,
      children.map(([, task]) => task),
    );
  const issued: IssuedCertificate[] = [];
  let done = 0;
  for (const [hostname, task] of children) {
    let result: IssuanceResult;
    try {
      result = (yield* wait(task)).result;
    } catch (error) {
      result = { ok: false, ...toCodedFailure(error) };
    }
    done += 1;
    if (result.ok) issued.push(result);
    states[hostname] = result.ok
      ? { status: 'Issued', message: 'Issued; waiting to bind with the rest of the batch', instanceId: childId(hostname) }
      : { status: 'Failed', error: result.code, message: result.message, instanceId: childId(hostname) };
    context.df.setCustomStatus(progress(Steps.IssueCertificates, `${done} of ${hostnames.length} hostname(s) done`, compact()));
  }

  let gatewayUpdated = false;
  if (issued.length === 0) withdrawGatewayWrite(context, gateway);
  if (issued.length > 0) {
    context.df.setCustomStatus(progress(Steps.ConfigureApplicationGateway, `Binding ${issued.length} certificate(s) in one gateway update`, compact()));
    const bound = yield* bindGateway(
      context,
      gateway,
      issued.map((r) => ({ hostname: r.hostname, keyVaultSecretId: r.secretId })),
    );
    if (bound.ok) gatewayUpdated = bound.updated;
    for (const r of issued) {
      const instanceId = childId(r.hostname);
      const refusal = bound.ok ? bound.refused.find((x) => x.hostname === r.hostname) : undefined;
      if (!bound.ok)
        states[r.hostname] = { status: 'Failed', error: bound.code, message: `Issued, but the gateway update failed: ${bound.message}`, instanceId };
      else if (refusal)
        states[r.hostname] = { status: 'Failed', error: refusal.code, message: `Issued, but the gateway binding was refused: ${refusal.message}`, instanceId };
      else states[r.hostname] = { status: 'Completed', ...(r.warning ? { message: r.warning } : {}), instanceId };
    }
  }

  const failedCount = Object.values(states).filter((s) => s.status === 'Failed').length;
  const output: IssueCertificatesOutput = { hostnames: states, gatewayUpdated, certificates: issued };
  if (failedCount === hostnames.length) {
    context.df.setCustomStatus(failure(ErrorCodes.SomeCertificatesFailed, `All ${failedCount} hostname(s) failed; the output lists each reason`, compact()));
    // A failed instance has no output: each hostname's reason and instance travel in the error, which the status query shows.
    const reasons = hostnames.map((h) => ({ hostname: h, error: states[h]?.error, message: states[h]?.message, instanceId: states[h]?.instanceId }));
    throw new Error(`[${ErrorCodes.SomeCertificatesFailed}] All ${failedCount} hostname(s) failed: ${JSON.stringify(reasons)}`);
  }
  if (failedCount > 0) {
    context.df.setCustomStatus({
      ...progress(
        Steps.Completed,
        `${hostnames.length - failedCount} of ${hostnames.length} certificate(s) issued and bound; the output lists each failure`,
        compact(),
      ),
      error: ErrorCodes.SomeCertificatesFailed,
    });
  } else {
    context.df.setCustomStatus(progress(Steps.Completed, `${hostnames.length} certificate(s) issued and bound`, compact()));
  }
  return output;
};

df.app.orchestration(Orchestrators.IssueCertificates, issueCertificatesOrchestrator);
