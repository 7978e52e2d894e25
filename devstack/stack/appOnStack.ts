/**
 * Boots the app on the local stack through the durable harness, as the Functions host would:
 * the real registrations, the real starters and orchestrators, real activities against real servers.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes, X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { installFakeFunctionsCore, DurableHarness, Registry } from '../host';
import type { TimerLatenessOptions } from '../host/timerLateness';
import { startLocalStack, LocalStack, LocalStackOptions } from './localStack';

export interface AppOnStack {
  readonly stack: LocalStack;
  readonly harness: DurableHarness;
  readonly registry: Registry;
  stop(): Promise<void>;
}

export interface AppOnStackOptions extends LocalStackOptions {
  /** Simulates the host dying after an activity ran but before its result was stored. */
  readonly crashAfterActivity?: (activityName: string, attempt: number) => boolean;
  /** See DurableHarnessOptions.timerMode. */
  readonly timerMode?: 'quiescent' | 'wallClock';
  /** See DurableHarnessOptions.timerLateness: durable timers fire late, as on Azure Storage queues. */
  readonly timerLateness?: TimerLatenessOptions;
  /** How long a durable timer waits for real at most (default 50 ms: the virtual clock jumps, the CA still gets time to validate). */
  readonly maxRealTimerDelayMs?: number;
  /** See DurableHarnessOptions.realTimeScale. */
  readonly realTimeScale?: number;
  /**
   * The app's entry point, as an absolute path: the TypeScript sources by default, or the bundle
   * `npm run build` writes (what a publish deploys), to run that bundle on the stack.
   */
  readonly entry?: string;
}

export async function startAppOnStack(options: AppOnStackOptions = {}): Promise<AppOnStack> {
  // The ARM emulator answers concurrent writes as Azure does (supersede, If-Match ignored) unless a test asks otherwise.
  const stack = await startLocalStack(options);
  // The settings go into process.env for the app to read; stop() puts the environment back.
  const environment = { ...process.env };
  stack.applySettings();
  const registry = installFakeFunctionsCore();
  if (options.entry) require(options.entry);
  else await import('../../functions/index');
  const harness = new DurableHarness({
    registry,
    // The worker's limits as the app's host.json sets them for Azure.
    ...hostJsonLimits(),
    maxRealTimerDelayMs: options.maxRealTimerDelayMs ?? 50,
    ...(options.crashAfterActivity ? { crashAfterActivity: options.crashAfterActivity } : {}),
    ...(options.timerMode ? { timerMode: options.timerMode } : {}),
    ...(options.realTimeScale !== undefined ? { realTimeScale: options.realTimeScale } : {}),
    ...(options.timerLateness ? { timerLateness: options.timerLateness } : {}),
  });
  return {
    stack,
    harness,
    registry,
    async stop() {
      await harness.close();
      await stack.stop();
      for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
      Object.assign(process.env, environment);
    },
  };
}

/** A fresh hostname per test: nothing depends on another test's certificates or listeners. */
export function randomHostname(prefix = 'site'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}.robot.test`;
}

export function post(harness: DurableHarness, functionName: string, body: unknown) {
  return harness.callHttp(functionName, {
    method: 'POST',
    url: `http://localhost:7071/api/${functionName}?code=function-key`,
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The certificate the gateway data plane presents for `servername` (SNI). */
export function servedCertificate(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.end();
      if (peer) resolve(peer);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

/** host.json's durableTask concurrency limits the harness models (the app's own file, at the project root). */
function hostJsonLimits(): { maxConcurrentActivityFunctions?: number } {
  const hostJson = JSON.parse(readFileSync(resolve(__dirname, '../../host.json'), 'utf8')) as {
    extensions?: { durableTask?: { maxConcurrentActivityFunctions?: unknown } };
  };
  const limit = hostJson.extensions?.durableTask?.maxConcurrentActivityFunctions;
  return typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? { maxConcurrentActivityFunctions: limit } : {};
}
