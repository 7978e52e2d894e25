import { Activities } from '../lib/activityContracts';
import { answerChallenge } from '../lib/adapters/acme/authorizations';
import { defineActivity } from './defineActivity';

export const answerChallenges = defineActivity(Activities.answerChallenges, async ({ challengeUrls }, config) => {
  for (const url of challengeUrls) await answerChallenge(config, url);
  return { ok: true };
});
