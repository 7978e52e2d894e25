/**
 * The gateway write adapter (lib/adapters/gatewayWrite.ts) against the ARM emulator, through the
 * real NetworkManagementClient: start a PUT, follow its operation from a serialized poller (as a
 * later activity does), read the result back; a superseding PUT reads Canceled; a refused status
 * poll names the missing permission.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { checkGatewayBindings, checkGatewayUpdate, startGatewayUpdate } from '../../lib/adapters/gatewayWrite';
import type { Binding } from '../../lib/activityContracts';
import { getConfig } from '../../lib/config';
import { hostname } from '../fixtures/hostnames';
import { appPrincipalId, otherWriter } from '../e2e/otherWriter';

describe('the gateway write adapter', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const binding = (): Binding => {
    const host = hostname(randomHostname('adapter'));
    return { hostname: host, keyVaultSecretId: `${app.stack.keyVault.url}/secrets/${host.replace(/\./g, '-')}` };
  };

  async function settle(operation: string) {
    for (let i = 0; i < 200; i += 1) {
      const status = await checkGatewayUpdate(getConfig(), operation);
      if (!status.ok || status.status !== 'InProgress') return status;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the operation never ended');
  }

  it('starts a PUT, follows its operation from the serialized poller, and reads the binding back', async () => {
    const b = binding();
    const started = await startGatewayUpdate(getConfig(), [b], false);
    expect(started).toMatchObject({ ok: true, operation: expect.any(String), refused: [] });
    expect(started.ok && started.operation).not.toMatch(/Bearer|token/i);
    const done = await settle((started as { operation: string }).operation);
    expect(done).toMatchObject({ ok: true, status: 'Succeeded', gateway: { etag: expect.any(String) } });
    // The poller's final GET is the read after write, and answers as a GET of its own does.
    const read = await checkGatewayBindings(getConfig(), [b]);
    expect(read).toMatchObject({ ok: true, missing: [] });
    expect(read.ok && read.etag).not.toBe(started.ok && started.etag);
    expect(await checkGatewayBindings(getConfig(), [b], done.ok ? done.gateway : undefined)).toEqual(read);
    // Nothing to change the second time: no PUT, no operation.
    expect(await startGatewayUpdate(getConfig(), [b], false)).toMatchObject({ ok: true, refused: [] });
    expect(await startGatewayUpdate(getConfig(), [b], false)).not.toHaveProperty('operation');
  });

  it('reads Canceled when another writer supersedes the PUT, and the binding is then missing', async () => {
    app.stack.arm.setPutDurationMs(400);
    try {
      const b = binding();
      const started = await startGatewayUpdate(getConfig(), [b], false);
      const other = otherWriter(app).write((gw) => void (gw.tags = { ...(gw.tags ?? {}), touched: 'yes' }));
      await other.accepted;
      expect(await settle((started as { operation: string }).operation)).toEqual({ ok: true, status: 'Canceled' });
      await other.done;
      expect(await checkGatewayBindings(getConfig(), [b])).toMatchObject({
        ok: true,
        missing: [expect.objectContaining({ hostname: b.hostname, code: 'ApplicationGatewayUpdateLost' })],
      });
    } finally {
      app.stack.arm.setPutDurationMs(50);
    }
  });

  it('names the missing resource-group permission when the status poll is refused', async () => {
    const appId = await appPrincipalId(app);
    const rgScope = `/subscriptions/${app.stack.subscriptionId}/resourceGroups/${app.stack.resourceGroup}`.toLowerCase();
    const removed = app.stack.arm.roleAssignmentsOf(appId).filter((a) => a.scope.toLowerCase() === rgScope);
    app.stack.arm.removeRoleAssignments(appId, (a) => a.scope.toLowerCase() === rgScope);
    try {
      const started = await startGatewayUpdate(getConfig(), [binding()], false);
      expect(started.ok).toBe(true);
      expect(await checkGatewayUpdate(getConfig(), (started as { operation: string }).operation)).toMatchObject({
        ok: false,
        code: 'ApplicationGatewayAccessDenied',
        message: expect.stringContaining('Microsoft.Network/locations/operations/read'),
      });
    } finally {
      for (const a of removed) app.stack.arm.assignRole(appId, a.roleDefinitionId, a.scope);
    }
  });
});
