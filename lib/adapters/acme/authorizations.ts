/**
 * ACME authorizations and challenges (RFC 8555 §7.5): read each authorization's HTTP-01
 * challenge, respond to it (§7.5.1), and deactivate an abandoned one (§7.5.2).
 */
import type { Authorization, Order } from 'acme-client';
import type { Http01Challenge } from '../../activityContracts';
import type { AppConfig } from '../../config';
import { Outcome, fail } from '../../outcome';
import { ErrorCodes } from '../../status';
import { acmeCall } from './account';
import { apiOf } from './transport';

/**
 * §7.5: each authorization at `authorizationUrls` (an order's `authorizations`, §7.1.3) with its
 * HTTP-01 challenge and key authorization (§8.1).
 */
export function getHttp01Challenges(config: AppConfig, authorizationUrls: readonly string[]): Promise<Outcome<{ challenges: Http01Challenge[] }>> {
  return acmeCall(config, 'Reading the ACME authorizations', async (client) => {
    const challenges: Http01Challenge[] = [];
    for (const authz of await client.getAuthorizations({ authorizations: [...authorizationUrls] } as Order)) {
      const challenge = authz.challenges.find((c) => c.type === 'http-01');
      if (!challenge) return fail(ErrorCodes.AcmeOrderInvalid, `The CA offered no HTTP-01 challenge for ${authz.identifier.value}`);
      challenges.push({
        authorizationUrl: authz.url,
        challengeUrl: challenge.url,
        token: challenge.token,
        keyAuthorization: await client.getChallengeKeyAuthorization(challenge),
        alreadyValid: authz.status === 'valid',
      });
    }
    return { ok: true, challenges };
  });
}

/** The `status` of a challenge or authorization by POST-as-GET (§7.1.4, §7.5; acme-client has no public method for a challenge). */
export async function readStatus(config: AppConfig, url: string): Promise<string | undefined> {
  return acmeCall(config, 'Reading an ACME resource', async (client) => {
    const response = await apiOf(client).apiRequest(url, null, [200]);
    return (response.data as { status?: string }).status;
  });
}

/** §7.5.1: ask the CA to validate. Answering twice (a replay after a crash) is harmless once the challenge left "pending". */
export function answerChallenge(config: AppConfig, challengeUrl: string): Promise<void> {
  return acmeCall(config, 'Answering the HTTP-01 challenge', async (client) => {
    try {
      // acme-client only needs the challenge URL (§7.5.1: POST `{}` to it).
      await client.completeChallenge({ url: challengeUrl, type: 'http-01', status: 'pending', token: '' });
    } catch (error) {
      // Some CAs refuse a second answer once the challenge left "pending": only then is the error harmless.
      const status = await readStatus(config, challengeUrl).catch(() => undefined);
      if (status && status !== 'pending') return;
      throw error;
    }
  });
}

/**
 * §7.5.2: deactivates each authorization that is still `pending`, so an abandoned validation does
 * not linger at the CA (Let's Encrypt limits pending authorizations per account). A `valid` one is
 * kept: the next order may reuse it. Idempotent: a deactivated, invalid or expired one is skipped.
 */
export function deactivatePendingAuthorizations(config: AppConfig, authorizationUrls: readonly string[]): Promise<number> {
  return acmeCall(config, 'Deactivating ACME authorizations', async (client) => {
    let deactivated = 0;
    for (const url of authorizationUrls) {
      if ((await readStatus(config, url)) !== 'pending') continue;
      await client.deactivateAuthorization({ url } as Authorization);
      deactivated += 1;
    }
    return deactivated;
  });
}
