/** Child processes and loopback ports for the local stack: start, wait until ready, and never leave one behind. */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test runner killed mid-run must not leave Pebble or Azurite listening.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  /** Why the process could not be started (e.g. ENOENT), if it could not. */
  startError(): Error | undefined;
  stop(): Promise<void>;
}

export function spawnProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  installExitHook();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let startError: Error | undefined;
  const keep = (chunk: Buffer) => {
    // Keep the tail only: Pebble logs every request.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Without a listener, a failed spawn ('error' event, e.g. ENOENT) would crash the whole process.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      if (child.pid === undefined) {
        startError = error;
        running.delete(child);
        resolve();
      }
    });
  });
  child.once('exit', () => running.delete(child));
  return {
    child,
    output: () => output,
    startError: () => startError,
    async stop() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it resolves true; fails with the process output when the process dies or time runs out. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, proc?: Spawned, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const startError = proc?.startError();
    if (startError) throw new Error(`${what} could not be started: ${startError.message}`);
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`${what} exited with code ${proc.child.exitCode}:\n${proc.output()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${proc?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
