import { Activities } from '../lib/activityContracts';
import { getHttp01Challenges } from '../lib/adapters/acme/authorizations';
import { defineActivity } from './defineActivity';

export const getAcmeHttp01Challenges = defineActivity(Activities.getAcmeHttp01Challenges, async ({ authorizationUrls }, config) =>
  getHttp01Challenges(config, authorizationUrls),
);
