/**
 * `npm run bench`: measures the app on the local stack, side by side with a baseline, and prints a
 * table (also written to bench/results/latest.json). Benchmarks report; they do not pass or fail.
 * The machine is shared and noisy: compare ratios, not absolute times.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureTestCaTrusted } from '../devstack/tls/trustTestCa';
import { exitOnSignals } from '../devstack/stack/shutdown';
import type { IssueCertificateOutput, IssueCertificatesOutput } from '../orchestrators/contracts';

const root = resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** `BENCH_ONLY=issuance,cold` runs only those parts (issuance, batch, gateway, cold); all by default. */
const SECTIONS = ['issuance', 'batch', 'gateway', 'cold'] as const;
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const name of ONLY) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown part "${name}"; use ${SECTIONS.join(', ')}`);
const included = (section: (typeof SECTIONS)[number]) => ONLY.length === 0 || ONLY.includes(section);

/**
 * Real milliseconds per virtual millisecond of a durable timer in the benchmark's harness: 1 s of
 * the app's time passes in 50 ms, the interval at which the baseline polls.
 */
const BENCH_TIME_SCALE = 1 / 20;
/** App and baseline issuances measured per BENCH_RUNS in the issuance part. */
const ISSUANCE_PAIRS_PER_RUN = 3;

/** Each hostname's end state in an issuance's output: `Completed`, or the failure's code. */
function hostnameStates(output: unknown, hosts: readonly string[]): Record<string, string> {
  if (hosts.length === 1) {
    const result = (output as IssueCertificateOutput | undefined)?.result;
    return { [hosts[0]!]: result?.ok ? 'Completed' : result ? result.code : 'missing' };
  }
  const states = (output as IssueCertificatesOutput | undefined)?.hostnames ?? {};
  return Object.fromEntries(hosts.map((h) => [h, states[h]?.status === 'Completed' ? 'Completed' : (states[h]?.error ?? states[h]?.status ?? 'missing')]));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Row {
  readonly name: string;
  readonly value: string;
  readonly target?: string;
}

/**
 * A fresh Node process loads what a publish deploys — the bundle `npm run build` writes
 * (package.json "main") — as the Functions host does on a cold start. The bundle is built once;
 * the timing covers the require of the entry point (all registrations), not Node's own start.
 */
async function coldStart(): Promise<{ ms: number; rssMb: number; heapMb: number }> {
  const { buildApp } = await import('../scripts/build');
  const entry = await buildApp();
  const sample = JSON.parse(require('node:fs').readFileSync(join(root, 'local.settings.sample.json'), 'utf8')).Values as Record<string, string>;
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(entry)});const ms=Number(process.hrtime.bigint()-t)/1e6;const m=process.memoryUsage();console.log(JSON.stringify({ms,rss:m.rss,heap:m.heapUsed}))`;
  const samples = Array.from({ length: Math.max(RUNS, 5) }, () => {
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...sample }, encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '{}';
    return JSON.parse(line) as { ms: number; rss: number; heap: number };
  });
  return { ms: median(samples.map((s) => s.ms)), rssMb: median(samples.map((s) => s.rss)) / 2 ** 20, heapMb: median(samples.map((s) => s.heap)) / 2 ** 20 };
}

async function main(): Promise<void> {
  await ensureTestCaTrusted();
  // Ctrl-C ends the benchmark: the 'exit' handlers kill the stack's processes and remove its temporary files.
  exitOnSignals(async () => undefined);
  const { startAppOnStack, post, randomHostname } = await import('../devstack/stack/appOnStack');
  const { startAcmeProxy } = await import('../devstack/acme/acmeProxy');
  const { loadCa } = await import('../devstack/tls/testCa');
  const { resetConfigCache } = await import('../lib/config');
  const { baselineClient, baselineIssue } = await import('./baseline');
  const results: Record<string, unknown> = {
    machine: { cpus: require('node:os').cpus().length, node: process.version },
    runs: RUNS,
    at: new Date().toISOString(),
  };
  const rows: Row[] = [];

  // A stack whose ACME traffic goes through a counting proxy.
  async function stackWithProxy() {
    // Timers fire on wall time, each on its own, as on the real host (tests use the deterministic
    // mode), with time run BENCH_TIME_SCALE× faster, uniformly: a 1 s poll waits 50 ms, a 30 s
    // backoff 1.5 s, so the app's patience keeps its proportions (capped at 50 ms, 8 minutes of
    // order polls were 1 s, and most orders of a batch of 50 timed out).
    const app = await startAppOnStack({ timerMode: 'wallClock', realTimeScale: BENCH_TIME_SCALE, maxRealTimerDelayMs: 60_000 });
    const proxy = await startAcmeProxy({ ca: loadCa(), upstreamDirectoryUrl: app.stack.pebble.directoryUrl });
    process.env.AcmeEndpoint = proxy.directoryUrl;
    resetConfigCache();
    return {
      app,
      proxy,
      stop: async () => {
        await proxy.stop();
        await app.stop();
      },
    };
  }

  async function issueBatch(app: Awaited<ReturnType<typeof startAppOnStack>>, hosts: string[]) {
    const t0 = performance.now();
    const r = await post(app.harness, hosts.length === 1 ? 'AddCertificateFunctions_HttpStart' : 'AddMultipleCertificatesFunctions_HttpStart', {
      hostnames: hosts.map((hostname) => ({ hostname })),
    });
    if (r.status !== 202) throw new Error(`starter answered ${r.status}: ${r.body}`);
    const final = await app.harness.waitForCompletion(r.json().id, { timeoutMs: 600_000 });
    const ms = performance.now() - t0;
    if (final.runtimeStatus !== 'Completed') throw new Error(`orchestration ${final.runtimeStatus}: ${JSON.stringify(final.customStatus)}`);
    // A batch completes with its failures listed: only a run that issued and bound every certificate is a measure.
    const failed = Object.entries(hostnameStates(final.output, hosts)).filter(([, state]) => state !== 'Completed');
    if (failed.length > 0)
      throw new Error(`${failed.length} of ${hosts.length} hostname(s) not issued: ${JSON.stringify(Object.fromEntries(failed.slice(0, 5)))}`);
    return ms;
  }

  // 1. Issuance overhead vs the direct acme-client baseline, interleaved so noise hits both alike;
  // both talk to the CA through the same counting proxy. The issuance ends when the certificate is
  // in Key Vault (its merge answered): then the app holds what acme-client returns, a certificate
  // and its key. Binding it to the gateway comes after, has no counterpart in the baseline (and
  // on Azure takes minutes), and is reported with the whole run.
  if (included('issuance')) {
    const { app, proxy, stop } = await stackWithProxy();
    const client = await baselineClient(app.stack, proxy.directoryUrl);
    await issueBatch(app, [randomHostname('warm')]);
    await baselineIssue(app.stack, client, randomHostname('warmb'));
    const appMs: number[] = [];
    const issuedMs: number[] = [];
    const baseMs: number[] = [];
    // A pair takes half a second, and both sides make an RSA key (40–500 ms here): three pairs per
    // run steady the medians.
    for (let i = 0; i < ISSUANCE_PAIRS_PER_RUN * RUNS; i += 1) {
      const t0 = performance.now();
      appMs.push(await issueBatch(app, [randomHostname('ovh')]));
      const merge = app.stack.keyVault.requests.find((r) => r.at > t0 && r.method === 'POST' && r.path.endsWith('/pending/merge') && r.status === 201);
      if (!merge) throw new Error('no certificate merge in Key Vault during the run');
      issuedMs.push(merge.at - t0);
      const t1 = performance.now();
      await baselineIssue(app.stack, client, randomHostname('base'));
      baseMs.push(performance.now() - t1);
    }
    await stop();
    const ratio = median(issuedMs) / median(baseMs);
    const wholeRatio = median(appMs) / median(baseMs);
    results.issuance = {
      issuedMs: median(issuedMs),
      appMs: median(appMs),
      baselineMs: median(baseMs),
      ratio,
      wholeRunRatio: wholeRatio,
      issuedSamples: issuedMs,
      appSamples: appMs,
      baselineSamples: baseMs,
    };
    rows.push({ name: 'issuance: app POST→certificate in Key Vault (median)', value: `${median(issuedMs).toFixed(0)} ms` });
    rows.push({ name: 'issuance: acme-client baseline (median)', value: `${median(baseMs).toFixed(0)} ms` });
    rows.push({ name: 'issuance overhead ratio', value: `${ratio.toFixed(2)}×`, target: '≤ 1.00×' });
    rows.push({ name: 'whole run: POST→Completed, gateway bound (median)', value: `${median(appMs).toFixed(0)} ms` });
    rows.push({ name: 'whole run vs baseline', value: `${wholeRatio.toFixed(2)}×`, target: '≤ 1.00× (records before 2026-11-30 23:00)' });
  }

  // 2 + 5. Batch scaling and orchestration cost: 1, 10, 50 hostnames in one request, a fresh stack per run.
  // The baseline for 50 runs right after each app run of 50, so that the machine's noise (shared,
  // 2 cores) hits both alike.
  const batch: Record<number, unknown> = {};
  const baseline50: number[] = [];
  for (const size of included('batch') ? [1, 10, 50] : []) {
    const times: number[] = [];
    let puts = 0,
      acmeRequests = 0,
      history = 0,
      activities = 0;
    const runs = size === 50 ? Math.min(RUNS, 3) : RUNS;
    for (let run = 0; run < runs; run += 1) {
      const { app, proxy, stop } = await stackWithProxy();
      const putsBefore = app.stack.arm.putCount;
      times.push(
        await issueBatch(
          app,
          Array.from({ length: size }, () => randomHostname('batch')),
        ),
      );
      process.stderr.write(`${size} hostname(s), run ${run + 1}/${runs}: ${times[times.length - 1]!.toFixed(0)} ms\n`);
      puts = app.stack.arm.putCount - putsBefore;
      acmeRequests = proxy.requestCount;
      history = 0;
      activities = 0;
      for (const id of app.harness.instanceIds()) {
        const h = app.harness.getStatus(id).history;
        history += h.length;
        activities += h.filter((e) => e.EventType === 4).length;
      }
      await stop();
      if (size === 50) {
        // On a fresh stack of its own: acme-client's orders on a Pebble that has just issued the
        // app's 50 sometimes stalled at new-order in this harness (not understood; see the note of issue 11).
        const base = await stackWithProxy();
        const client = await baselineClient(base.app.stack, base.proxy.directoryUrl);
        const t0 = performance.now();
        await Promise.all(Array.from({ length: 50 }, () => baselineIssue(base.app.stack, client, randomHostname('bb'))));
        baseline50.push(performance.now() - t0);
        await base.stop();
        process.stderr.write(`baseline of 50, run ${run + 1}/${runs}: ${baseline50[baseline50.length - 1]!.toFixed(0)} ms\n`);
      }
    }
    batch[size] = {
      ms: median(times),
      samples: times,
      gatewayPuts: puts,
      acmeRequestsPerCert: acmeRequests / size,
      historyEventsPerCert: history / size,
      activityCallsPerCert: activities / size,
    };
    // One hostname goes through the single starter and orchestration, as a user's one-name request does.
    const label = size === 1 ? '1 hostname (single starter)' : `batch of ${size}`;
    rows.push({ name: `${label}: wall time (median of ${runs})`, value: `${median(times).toFixed(0)} ms` });
    rows.push({ name: `${label}: gateway PUTs`, value: String(puts), target: '1' });
    rows.push({ name: `${label}: ACME requests / cert`, value: (acmeRequests / size).toFixed(1) });
    rows.push({ name: `${label}: history events / cert`, value: (history / size).toFixed(1) });
    rows.push({ name: `${label}: activity calls / cert`, value: (activities / size).toFixed(1) });
  }
  // Context for scaling: 50 orders done directly with acme-client, all at once, each right after an app run of 50.
  if (included('batch')) {
    const times = baseline50;
    results.baselineBatch50 = { ms: median(times), samples: times };
    rows.push({ name: 'baseline: 50 orders at once with acme-client', value: `${median(times).toFixed(0)} ms` });
    // Each app run against the baseline run right after it (on a fresh stack of its own); the median of those ratios.
    const app50 = (batch[50] as { samples: number[] }).samples;
    const ratio50 = median(app50.map((ms, i) => ms / (times[i] ?? Number.NaN)));
    results.batch50Ratio = ratio50;
    rows.push({ name: 'batch of 50: app vs baseline at 50 (median of paired runs)', value: `${ratio50.toFixed(2)}×`, target: '≤ 1.10×' });
    const b1 = (batch[1] as { ms: number }).ms;
    const b50 = (batch[50] as { ms: number }).ms;
    results.batch = batch;
    rows.push({ name: 'batch scaling: 50 vs 1', value: `${(b50 / b1).toFixed(2)}×` });
  }

  // 3. Gateway writes at a realistic-scale PUT duration (3 s standing in for Azure's minutes).
  if (included('gateway')) {
    const { benchGatewayWrites } = await import('./gatewayWrites');
    const figures = await benchGatewayWrites();
    results.gatewayWrites = figures;
    const ten = figures.tenSingles;
    const big = figures.batch50AndTenSingles;
    rows.push({ name: `10 singles at once: gateway PUTs (PUT = ${figures.putDurationMs / 1000} s)`, value: String(ten.gatewayPuts), target: '≤ 2' });
    rows.push({ name: '10 singles at once: wall time / one PUT', value: `${ten.wallToPutRatio.toFixed(2)}×`, target: '≤ 2.5×' });
    rows.push({ name: 'batch of 50 + 10 singles at once: gateway PUTs', value: String(big.gatewayPuts), target: '≤ 3' });
    rows.push({
      name: 'listeners lost / failed for users (both)',
      value: `${ten.listenersLost + big.listenersLost} / ${ten.failedForUsers + big.failedForUsers}`,
      target: '0 / 0',
    });
  }

  // 4. Cold start of the entry point.
  if (included('cold')) {
    const cold = await coldStart();
    results.coldStart = cold;
    rows.push({ name: 'cold start: load all registrations (median)', value: `${cold.ms.toFixed(0)} ms`, target: '≤ 150 ms' });
    rows.push({ name: 'cold start: RSS / heap after load', value: `${cold.rssMb.toFixed(0)} MiB / ${cold.heapMb.toFixed(0)} MiB` });
  }

  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${'measure'.padEnd(width)}  ${'value'.padStart(12)}  target`);
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.value.padStart(12)}  ${r.target ?? ''}`);
  // A partial run (BENCH_ONLY) does not replace the full run's record.
  const file = ONLY.length === 0 ? 'latest.json' : `partial-${ONLY.join('-')}.json`;
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', file), JSON.stringify({ ...results, ...(ONLY.length ? { only: ONLY } : {}), table: rows }, null, 2));
  console.log(`\nwritten to bench/results/${file}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
