import { Activities } from '../lib/activityContracts';
import { resolveHostname } from '../lib/adapters/dns';
import { judgeResolution } from '../lib/dnsCheck';
import { defineActivity } from './defineActivity';

/** check*: reads DNS, changes nothing. A wrong answer is a value; an unreachable resolver throws (retryable). */
export const checkDnsResolution = defineActivity(Activities.checkDnsResolution, async ({ hostname, gatewayIp, gatewayAddresses }, config) => {
  const resolution = await resolveHostname(hostname, config.dnsServers);
  const verdict = judgeResolution(hostname, resolution, gatewayIp, gatewayAddresses);
  return verdict.ok ? { ok: true, chain: [...resolution.chain], reachable: verdict.reachable } : verdict;
});
