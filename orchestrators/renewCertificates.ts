/**
 * Renews every ACME certificate that is due, a few at a time, each through the issuance recipe
 * (new version of the same Key Vault certificate). Listeners reference the versionless secret id,
 * so the gateway picks the new version up by itself; a setting asks for an immediate refresh PUT.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { Activities, ActivityOutput, ManagedCertificate } from '../lib/activityContracts';
import { toCodedFailure } from '../lib/errors';
import { hostname as parseValidHostname, parseHostname } from '../lib/hostnames';
import { nameStem } from '../lib/naming';
import { ErrorCode, ErrorCodes, Steps, failure, progress } from '../lib/status';
import type { Binding } from '../lib/gatewayMerge';
import { bindGateway } from './bindGateway';
import { callActivity } from './durableCalls';
import type { IssueCertificateOutput } from './issueCertificate';
import { IssueCertificateInput, Orchestrators, RenewCertificatesInput } from './names';

export interface RenewalReport {
  readonly renewed: Array<{ hostname: string; certificateName: string; version: string; expiresOn: string }>;
  readonly skipped: Array<{ hostname: string; certificateName: string; renewAfter: string; reason: string }>;
  readonly failed: Array<{ hostname: string; certificateName: string; error: ErrorCode; message: string }>;
  readonly expiringImported: Array<{ hostname: string; certificateName: string; notAfter: string; reason: string }>;
  readonly gatewayRefreshed: boolean;
}

export const renewCertificatesOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as RenewCertificatesInput;
  const now = context.df.currentUtcDateTime;
  context.df.setCustomStatus(progress(Steps.ListCertificates, 'Listing managed certificates'));
  let listed: ActivityOutput<'listManagedCertificates'>;
  try {
    listed = (yield callActivity(context, Activities.listManagedCertificates, {
      now: now.toISOString(),
      forceAll: input.force,
      ...(input.hostnames ? { hostnames: [...input.hostnames] } : {}),
    })) as ActivityOutput<'listManagedCertificates'>;
  } catch (error) {
    listed = { ok: false, ...toCodedFailure(error) };
  }
  if (!listed.ok) {
    context.df.setCustomStatus(failure(listed.code, `Could not list the certificates to renew: ${listed.message}`));
    throw new Error(`[${listed.code}] ${listed.message}`);
  }

  const report: RenewalReport = { renewed: [], skipped: [], failed: [], expiringImported: [], gatewayRefreshed: false };
  const due: ManagedCertificate[] = [];
  for (const cert of listed.certificates) {
    const hostname = cert.hostnames[0] ?? cert.certificateName;
    if (cert.source === 'imported') {
      if (new Date(cert.renewAfter) <= now) report.expiringImported.push({ hostname, certificateName: cert.certificateName, notAfter: cert.notAfter, reason: cert.reason });
      else report.skipped.push({ hostname, certificateName: cert.certificateName, renewAfter: cert.renewAfter, reason: cert.reason });
    } else if (!cert.due) {
      report.skipped.push({ hostname, certificateName: cert.certificateName, renewAfter: cert.renewAfter, reason: cert.reason });
      continue;
    } else if (!parseHostname(cert.hostnames[0]).ok) {
      // A hand-edited tag must not abort everyone else's renewal.
      report.failed.push({ hostname, certificateName: cert.certificateName, error: ErrorCodes.InvalidInput, message: `The "hostnames" tag of ${cert.certificateName} holds no valid hostname` });
      continue;
    } else due.push(cert);
  }

  const bindings: Binding[] = [];
  const concurrency = Math.max(1, input.concurrency);
  // Child ids derive from this run's start time: deterministic on replay, distinct across runs.
  const runTag = now.toISOString().replace(/[-:.]/g, '').slice(0, 15);
  for (let i = 0; i < due.length; i += concurrency) {
    const chunk = due.slice(i, i + concurrency);
    context.df.setCustomStatus(progress(Steps.RenewCertificates, `Renewing ${i + 1}–${i + chunk.length} of ${due.length} due certificate(s)`));
    const tasks: Task[] = chunk.map((cert) => {
      const host = parseValidHostname(cert.hostnames[0] ?? '');
      return context.df.callSubOrchestrator(Orchestrators.IssueCertificate, { hostname: host, bindGateway: false } satisfies IssueCertificateInput, `renew-${nameStem(host)}-${runTag}`);
    });
    let outputs: IssueCertificateOutput[];
    try {
      outputs = (yield context.df.Task.all(tasks)) as IssueCertificateOutput[];
    } catch (error) {
      // Children report failures as values; a throw here is the host failing a child outright.
      const coded = toCodedFailure(error);
      for (const cert of chunk) report.failed.push({ hostname: cert.hostnames[0] ?? '', certificateName: cert.certificateName, error: coded.code, message: coded.message });
      continue;
    }
    outputs.forEach((out, index) => {
      const cert = chunk[index] as ManagedCertificate;
      const r = out.result;
      if (r.ok) {
        report.renewed.push({ hostname: r.hostname, certificateName: r.certificateName, version: r.version, expiresOn: r.expiresOn });
        bindings.push({ hostname: r.hostname, keyVaultSecretId: r.secretId });
      }
      else report.failed.push({ hostname: r.hostname, certificateName: cert.certificateName, error: r.code, message: r.message });
    });
  }

  if (input.refreshGateway && report.renewed.length > 0) {
    context.df.setCustomStatus(progress(Steps.ConfigureApplicationGateway, 'Refreshing the gateway so it loads the new versions now'));
    const bound = yield* bindGateway(context, bindings, true);
    (report as { gatewayRefreshed: boolean }).gatewayRefreshed = bound.ok;
    if (!bound.ok) report.failed.push({ hostname: '*', certificateName: '*', error: bound.code, message: `Renewed, but the gateway refresh failed: ${bound.message}` });
  }

  const summary = `${report.renewed.length} renewed, ${report.skipped.length} not due, ${report.failed.length} failed, ${report.expiringImported.length} imported near expiry`;
  context.df.setCustomStatus({
    ...progress(Steps.Completed, summary),
    ...(report.failed.length > 0 ? { error: ErrorCodes.SomeCertificatesFailed } : {}),
    renewal: report,
  });
  return report;
};

df.app.orchestration(Orchestrators.RenewCertificates, renewCertificatesOrchestrator);
