/**
 * Gateway writes at a realistic scale of PUT duration (3 s here; Azure's take minutes): how many
 * PUTs concurrent requests cost through the per-gateway write queue, how long users wait compared
 * with one PUT, and whether any listener is lost or any user sees a failure.
 * - (a) 10 single-hostname requests at once: PUTs, and wall time from the first POST until all are
 *   Completed as a multiple of one PUT's duration;
 * - (b) a batch of 50 plus 10 singles at once: PUTs;
 * - (c) for both: hostnames not bound at the end (read from the gateway) and failures for users.
 * Each scenario gets a fresh app on the local stack whose durable timers run on wall time, each on
 * its own, as on the real host — and for their real length (startRealTimeApp below).
 * The caller must trust the test CA first (bench/run.ts: ensureTestCaTrusted()).
 */
import { post, randomHostname, startAppOnStack, type AppOnStack } from '../devstack/stack/appOnStack';
import { resetConfigCache } from '../lib/config';
import { parseHostname } from '../lib/hostnames';
import { keyVaultCertificateName } from '../lib/naming';

export interface GatewayWritesScenario {
  readonly requests: number;
  readonly hostnames: number;
  /** Gateway PUTs the emulator accepted. */
  readonly gatewayPuts: number;
  /** PUTs canceled by a later PUT (CanceledAndSupersededDueToAnotherOperation) and PUTs refused (409 …). */
  readonly canceledPuts: number;
  readonly refusedPuts: number;
  /** From the first POST until every request is Completed (or ended otherwise). */
  readonly wallMs: number;
  /** wallMs / putDurationMs: how many PUTs' worth of time users waited. */
  readonly wallToPutRatio: number;
  /** (c) Hostnames without listener, rule and certificate (versionless secret id) in the gateway at the end. */
  readonly listenersLost: number;
  /** (c) Hostnames reported Failed, or whose request did not end Completed. */
  readonly failedForUsers: number;
}

export interface GatewayWritesFigures {
  readonly putDurationMs: number;
  readonly pollIntervalSeconds: number;
  readonly tenSingles: GatewayWritesScenario;
  readonly batch50AndTenSingles: GatewayWritesScenario;
}

export interface GatewayWritesOptions {
  readonly putDurationMs?: number;
  readonly pollIntervalSeconds?: number;
  readonly timeoutMs?: number;
}

type Json = any;

/**
 * Timers wait up to this long for real. startAppOnStack's harness waits at most 50 ms, so a 1 s
 * poll runs every 50 ms: 60 polls per 3 s PUT instead of 3, each replaying a growing history, and
 * with 11 orchestrations polling (scenario b) the replays starved the process (it had not finished
 * after 25 minutes). Here a poll takes the time it says; longer timers (ACME backoff, 409 waits) are
 * cut to 5 s (startAppOnStack's maxRealTimerDelayMs).
 */
const MAX_REAL_TIMER_MS = 5_000;

/** The app on the stack with wall-clock timers that keep their real length (up to MAX_REAL_TIMER_MS). */
function startRealTimeApp(): Promise<AppOnStack> {
  return startAppOnStack({ timerMode: 'wallClock', maxRealTimerDelayMs: MAX_REAL_TIMER_MS });
}

const SINGLE = 'AddCertificateFunctions_HttpStart';
const MULTI = 'AddMultipleCertificatesFunctions_HttpStart';

/** Listener (HTTPS, port 443) + a rule routing it + its certificate pointing at the hostname's versionless secret. */
function isBound(gateway: Json, host: string, secretId: string): boolean {
  const p = gateway.properties;
  const same = (a: unknown, b: unknown) => String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();
  const port443 = new Set((p.frontendPorts as Json[]).filter((f) => f.properties.port === 443).map((f) => String(f.id).toLowerCase()));
  const listener = (p.httpListeners as Json[]).find(
    (l) =>
      l.properties.protocol === 'Https' &&
      port443.has(String(l.properties.frontendPort?.id).toLowerCase()) &&
      [l.properties.hostName, ...(l.properties.hostNames ?? [])].some((h) => same(h, host)),
  );
  if (!listener) return false;
  const routed = (p.requestRoutingRules as Json[]).some((r) => same(r.properties.httpListener?.id, listener.id));
  const certificate = (p.sslCertificates as Json[]).find((c) => same(c.id, listener.properties.sslCertificate?.id));
  return routed && certificate?.properties.keyVaultSecretId === secretId;
}

async function scenario(requests: ReadonlyArray<readonly string[]>, opts: Required<GatewayWritesOptions>): Promise<GatewayWritesScenario> {
  const app = await startRealTimeApp();
  try {
    // app.stop() puts process.env back as it was before the stack started.
    process.env.ApplicationGatewayPollIntervalSeconds = String(opts.pollIntervalSeconds);
    resetConfigCache();
    const { arm, keyVault, resourceGroup, gatewayName } = app.stack;
    arm.setPutDurationMs(opts.putDurationMs);
    const putsBefore = arm.putCount;
    const canceledBefore = arm.canceledPuts;
    const refusedBefore = arm.rejectedPuts.length;

    const t0 = performance.now();
    const ids = await Promise.all(
      requests.map(async (hosts) => {
        const r = await post(app.harness, hosts.length === 1 ? SINGLE : MULTI, { hostnames: hosts.map((hostname) => ({ hostname })) });
        if (r.status !== 202) throw new Error(`starter answered ${r.status}: ${r.body}`);
        return r.json().id as string;
      }),
    );
    const finals = await Promise.all(ids.map((id) => app.harness.waitForCompletion(id, { timeoutMs: opts.timeoutMs })));
    const wallMs = performance.now() - t0;

    let failedForUsers = 0;
    for (const [i, final] of finals.entries()) {
      const hosts = requests[i]!;
      if (final.runtimeStatus !== 'Completed') {
        failedForUsers += hosts.length;
        continue;
      }
      if (hosts.length > 1) {
        const perHost = (final.output as Json)?.hostnames ?? {};
        failedForUsers += hosts.filter((h) => perHost[h]?.status !== 'Completed').length;
      }
    }
    const gateway = arm.getApplicationGateway(resourceGroup, gatewayName);
    const all = requests.flat();
    const listenersLost = all.filter((h) => !isBound(gateway, h, `${keyVault.url}/secrets/${keyVaultCertificateName(parseOrThrow(h))}`)).length;
    return {
      requests: requests.length,
      hostnames: all.length,
      gatewayPuts: arm.putCount - putsBefore,
      canceledPuts: arm.canceledPuts - canceledBefore,
      refusedPuts: arm.rejectedPuts.length - refusedBefore,
      wallMs: Math.round(wallMs),
      wallToPutRatio: Number((wallMs / opts.putDurationMs).toFixed(2)),
      listenersLost,
      failedForUsers,
    };
  } finally {
    await app.stop();
  }
}

function parseOrThrow(host: string) {
  const parsed = parseHostname(host, { allowReserved: true });
  if (!parsed.ok) throw new Error(`bench made an invalid hostname ${host}: ${parsed.message}`);
  return parsed.hostname;
}

export async function benchGatewayWrites(options: GatewayWritesOptions = {}): Promise<GatewayWritesFigures> {
  const opts: Required<GatewayWritesOptions> = { putDurationMs: 3_000, pollIntervalSeconds: 1, timeoutMs: 600_000, ...options };
  const tenSingles = await scenario(
    Array.from({ length: 10 }, () => [randomHostname('gw10')]),
    opts,
  );
  const batch = Array.from({ length: 50 }, () => randomHostname('gw50'));
  const batch50AndTenSingles = await scenario([batch, ...Array.from({ length: 10 }, () => [randomHostname('gw50s')])], opts);
  return { putDurationMs: opts.putDurationMs, pollIntervalSeconds: opts.pollIntervalSeconds, tenSingles, batch50AndTenSingles };
}
