/**
 * Who is calling. Real ARM takes the caller from the bearer token's claims (`oid`, `appid`); the
 * emulator cannot validate Entra ID tokens, so it keeps an explicit table: a test registers a token
 * string for a principal and gives its SDK client a credential returning that token. Any other token is
 * refused 401 InvalidAuthenticationToken, as ARM refuses a token it cannot validate.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ArmError } from './model';
import type { Principal } from './rbac';

export class Principals {
  private readonly byToken = new Map<string, Principal>();

  /** Registers `token` as the bearer token of a principal (new ids unless given). */
  add(token: string, principal: Partial<Principal> = {}): Principal {
    const p: Principal = { objectId: principal.objectId ?? randomUUID(), clientId: principal.clientId ?? randomUUID() };
    this.byToken.set(token, p);
    return p;
  }

  /** The principal a token stands for, if registered. */
  byBearerToken(token: string): Principal | undefined {
    return this.byToken.get(token);
  }

  /** The caller of `req`; throws ARM's 401 shapes for a missing or unknown token. */
  caller(req: IncomingMessage): Principal {
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!match) {
      throw new ArmError(
        401,
        auth ? 'InvalidAuthenticationToken' : 'AuthenticationFailed',
        auth ? 'The access token is invalid.' : "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    const p = this.byToken.get(match[1]!);
    if (!p) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    return p;
  }
}
