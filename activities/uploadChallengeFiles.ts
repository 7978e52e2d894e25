import { Activities } from '../lib/activityContracts';
import { uploadChallengeFile } from '../lib/adapters/challengeFiles';
import { defineActivity } from './defineActivity';

export const uploadChallengeFiles = defineActivity(Activities.uploadChallengeFiles, async ({ files }, config) => {
  for (const file of files) await uploadChallengeFile(config, file.token, file.keyAuthorization);
  return { ok: true };
});
