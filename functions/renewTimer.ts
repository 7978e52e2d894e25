import { app, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../lib/config';
import { jitteredDailySchedule } from '../lib/renewalPolicy';
import { startRenewal } from './startRenewal';

/** Daily by default, at a time of night derived from this installation, so many installations do not hit the CA at once. */
export function renewalSchedule(): string {
  const config = getConfig();
  return config.renewal.schedule ?? jitteredDailySchedule(`${config.subscriptionId}/${config.gateway.resourceGroup}/${config.gateway.name}`);
}

export async function renewCertificatesTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const started = await startRenewal(df.getClient(context), { force: false });
  context.log(started ? 'Started the certificate renewal' : 'A renewal is still running; this tick is skipped');
}

app.timer('RenewCertificatesTimer', {
  schedule: renewalSchedule(),
  // A missed run (app down at the scheduled time) runs at the next start.
  runOnStartup: false,
  useMonitor: true,
  extraInputs: [df.input.durableClient()],
  handler: renewCertificatesTimer,
});
