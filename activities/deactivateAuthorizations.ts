import { Activities } from '../lib/activityContracts';
import { deactivatePendingAuthorizations } from '../lib/adapters/acme/authorizations';
import { defineActivity } from './defineActivity';

/** RFC 8555 §7.5.2: abandoned authorizations still pending at the CA are deactivated. */
export const deactivateAuthorizations = defineActivity(Activities.deactivateAuthorizations, async ({ authorizationUrls }, config) => ({
  ok: true,
  deactivated: await deactivatePendingAuthorizations(config, authorizationUrls),
}));
