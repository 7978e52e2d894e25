/**
 * Runs this same script again as a child with extra environment, and supervises it:
 * - Ctrl-C, `kill` (SIGTERM) and a closed terminal (SIGHUP) are passed on to the run, which stops
 *   the stack (devstack/stack/shutdown.ts); a second signal (a second later) kills the run outright;
 * - the run has its own process group, so whatever it started and left behind (it was killed, or
 *   crashed) is killed when it ends;
 * - `cleanup` runs when the supervisor ends, whatever the reason Node can observe.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { REPEAT_WINDOW_MS } from './shutdown';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

/** Never returns: exits with the run's exit code (128 + n when a signal ended it). */
export async function superviseRerun(env: NodeJS.ProcessEnv, cleanup: () => void): Promise<never> {
  // eslint-disable-next-line prefer-const -- assigned below, after the exit handler that reads it is installed
  let child: ChildProcess | undefined;
  process.on('exit', () => {
    if (child) killGroup(child, 'SIGKILL');
    cleanup();
  });
  child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    // Its own process group: see above. The terminal's Ctrl-C reaches it through the handler below.
    detached: true,
    env: { ...process.env, ...env },
  });
  let firstSignalAt: number | undefined;
  for (const signal of FORWARDED_SIGNALS) {
    process.on(signal, () => {
      if (!child) return;
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        child.kill(signal);
      } else if (Date.now() - firstSignalAt > REPEAT_WINDOW_MS) {
        killGroup(child, 'SIGKILL');
      }
    });
  }
  const started = child;
  const code = await new Promise<number>((resolve) => {
    started.once('error', (error) => {
      console.error(`Could not start ${process.argv[1] ?? 'the script'}: ${error.message}`);
      resolve(1);
    });
    started.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + constants.signals[signal] : 1)));
  });
  process.exit(code);
}
