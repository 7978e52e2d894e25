import { Activities } from '../lib/activityContracts';
import { deleteChallengeFiles as deleteFiles } from '../lib/adapters/challengeFiles';
import { defineActivity } from './defineActivity';

export const deleteChallengeFiles = defineActivity(Activities.deleteChallengeFiles, async ({ tokens }, config) => {
  await deleteFiles(config, tokens);
  return { ok: true };
});
