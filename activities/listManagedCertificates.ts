import { Activities } from '../lib/activityContracts';
import { listManagedCertificates as list } from '../lib/adapters/certificateInventory';
import { defineActivity } from './defineActivity';

/** Decides at the orchestration's `now`, not the wall clock, so a replay decides the same. */
export const listManagedCertificates = defineActivity(Activities.listManagedCertificates, async ({ now, forceAll, hostnames }, config) => ({
  ok: true,
  certificates: await list(config, new Date(now), { ...(forceAll !== undefined ? { forceAll } : {}), ...(hostnames ? { hostnames } : {}) }),
}));
