/**
 * Renews every ACME certificate that is due, a few at a time, each through the issuance recipe
 * (new version of the same Key Vault certificate). Listeners reference the versionless secret id,
 * so the gateway picks the new version up by itself; a setting asks for an immediate refresh PUT.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { Activities, ActivityOutput, Binding, GatewayAddresses, ManagedCertificate } from '../lib/activityContracts';
import { toCodedFailure } from '../lib/errors';
import type { Hostname } from '../lib/hostnames';
import { nameStem } from '../lib/naming';
import { ErrorCodes, Steps, failure, progress } from '../lib/status';
import { bindGateway } from './bindGateway';
import { Orchestrators, RenewalReport } from './contracts';
import { all, call, inputOf, subOrchestration } from './durableCalls';
import { readGatewayAddresses } from './issuanceRecipe';

export const renewCertificatesOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = inputOf(context, Orchestrators.RenewCertificates);
  const now = context.df.currentUtcDateTime;
  context.df.setCustomStatus(progress(Steps.ListCertificates, 'Listing managed certificates'));
  let listed: ActivityOutput<'listManagedCertificates'>;
  try {
    listed = yield* call(context, Activities.listManagedCertificates, {
      now: now.toISOString(),
      forceAll: input.force,
      ...(input.hostnames ? { hostnames: [...input.hostnames] } : {}),
    });
  } catch (error) {
    listed = { ok: false, ...toCodedFailure(error) };
  }
  if (!listed.ok) {
    context.df.setCustomStatus(failure(listed.code, `Could not list the certificates to renew: ${listed.message}`));
    throw new Error(`[${listed.code}] ${listed.message}`);
  }

  const report: RenewalReport = { renewed: [], skipped: [], failed: [], expiringImported: [], gatewayRefreshed: false };
  const due: Array<{ cert: ManagedCertificate; hostname: Hostname }> = [];
  for (const cert of listed.certificates) {
    const hostname = cert.hostnames[0];
    const shown = hostname ?? cert.certificateName;
    if (cert.problem !== undefined || hostname === undefined) {
      // A hand-edited tag or an unreadable certificate must not abort everyone else's renewal.
      report.failed.push({
        hostname: shown,
        certificateName: cert.certificateName,
        error: cert.problemCode ?? ErrorCodes.InvalidInput,
        message: cert.problem ?? `The "hostnames" tag of ${cert.certificateName} holds no valid hostname`,
      });
    } else if (cert.source === 'imported') {
      if (new Date(cert.renewAfter) <= now)
        report.expiringImported.push({ hostname: shown, certificateName: cert.certificateName, notAfter: cert.notAfter, reason: cert.reason });
      else report.skipped.push({ hostname: shown, certificateName: cert.certificateName, renewAfter: cert.renewAfter, reason: cert.reason });
    } else if (!cert.due) {
      report.skipped.push({ hostname: shown, certificateName: cert.certificateName, renewAfter: cert.renewAfter, reason: cert.reason });
    } else {
      due.push({ cert, hostname });
    }
  }

  const bindings: Binding[] = [];
  // The gateway's addresses are read once for every renewal (one ARM read, not one per certificate).
  let gatewayAddresses: GatewayAddresses | undefined;
  if (due.length > 0) {
    const read = yield* readGatewayAddresses(context);
    if (read.ok) gatewayAddresses = read.gatewayAddresses;
    else
      for (const { cert, hostname } of due.splice(0))
        report.failed.push({ hostname, certificateName: cert.certificateName, error: read.code, message: read.message });
  }
  const concurrency = Math.max(1, input.concurrency);
  // Child ids derive from this run's start time: deterministic on replay, distinct across runs.
  const runTag = now.toISOString().replace(/[-:.]/g, '').slice(0, 15);
  for (let i = 0; i < due.length; i += concurrency) {
    const chunk = due.slice(i, i + concurrency);
    context.df.setCustomStatus(progress(Steps.RenewCertificates, `Renewing ${i + 1}–${i + chunk.length} of ${due.length} due certificate(s)`));
    const tasks = chunk.map(({ hostname }) =>
      subOrchestration(
        context,
        Orchestrators.IssueCertificate,
        { hostname, ...(gatewayAddresses ? { gatewayAddresses } : {}), ...(input.recoverDeleted ? { recoverDeleted: true } : {}) },
        `renew-${nameStem(hostname)}-${runTag}`,
      ),
    );
    let outputs;
    try {
      outputs = yield* all(context, tasks);
    } catch (error) {
      // Children report failures as values; a throw here is the host failing a child outright.
      const coded = toCodedFailure(error);
      for (const { cert, hostname } of chunk)
        report.failed.push({ hostname, certificateName: cert.certificateName, error: coded.code, message: coded.message });
      continue;
    }
    outputs.forEach((out, index) => {
      const { cert, hostname } = chunk[index] as (typeof chunk)[number];
      const r = out.result;
      if (r.ok) {
        report.renewed.push({ hostname: r.hostname, certificateName: r.certificateName, version: r.version, expiresOn: r.expiresOn });
        bindings.push({ hostname: r.hostname, keyVaultSecretId: r.secretId });
      } else {
        report.failed.push({ hostname, certificateName: cert.certificateName, error: r.code, message: r.message });
      }
    });
  }

  if (input.refreshGateway && report.renewed.length > 0) {
    context.df.setCustomStatus(progress(Steps.ConfigureApplicationGateway, 'Refreshing the gateway so it loads the new versions now'));
    const bound = yield* bindGateway(context, input.gateway, bindings, true);
    report.gatewayRefreshed = bound.ok;
    if (!bound.ok)
      report.failed.push({ hostname: '*', certificateName: '*', error: bound.code, message: `Renewed, but the gateway refresh failed: ${bound.message}` });
    for (const refusal of bound.ok ? bound.refused : []) {
      report.failed.push({
        hostname: refusal.hostname,
        certificateName: '*',
        error: refusal.code,
        message: `Renewed, but the gateway refresh left it out: ${refusal.message}`,
      });
    }
  }

  const summary = `${report.renewed.length} renewed, ${report.skipped.length} not due, ${report.failed.length} failed, ${report.expiringImported.length} imported near expiry`;
  // The report itself is the output: customStatus stays small however many certificates there are.
  const counts = {
    renewed: report.renewed.length,
    notDue: report.skipped.length,
    failed: report.failed.length,
    expiringImported: report.expiringImported.length,
  };
  context.df.setCustomStatus({
    ...progress(Steps.Completed, summary, { counts }),
    ...(report.failed.length > 0 ? { error: ErrorCodes.SomeCertificatesFailed } : {}),
  });
  return report;
};

df.app.orchestration(Orchestrators.RenewCertificates, renewCertificatesOrchestrator);
