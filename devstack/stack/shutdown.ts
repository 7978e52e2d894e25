/**
 * Signal handling for a process that runs the local stack (issue:local, bench): Ctrl-C, `kill`
 * and a closed terminal stop the stack, then the process exits with 128 + the signal number, as
 * a shell reports a killed command. Without this Node dies at once on SIGTERM without running
 * its 'exit' handlers, and Azurite and challtestsrv are left running.
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/**
 * One Ctrl-C can arrive more than once (from the terminal, and relayed by npm and the
 * supervisor): a repeat within this window is the same request, a later one means "stop now".
 */
export const REPEAT_WINDOW_MS = 1_000;
/** How long stopping may take before the process exits anyway ('exit' handlers still kill children). */
const STOP_GRACE_MS = 5_000;

let stopping: NodeJS.Signals | undefined;
let stoppingSince = 0;

/** The signal that is ending the process, if one is: work still running should stop quietly. */
export function stoppingOnSignal(): NodeJS.Signals | undefined {
  return stopping;
}

export function exitOnSignals(stop: () => Promise<void>): void {
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      const code = 128 + constants.signals[signal];
      if (stopping) {
        // The same Ctrl-C relayed twice (terminal, npm, the supervisor) is ignored; a later one means "now".
        if (Date.now() - stoppingSince > REPEAT_WINDOW_MS) process.exit(code);
        return;
      }
      stopping = signal;
      stoppingSince = Date.now();
      console.error(`\n${signal}: stopping the local stack`);
      setTimeout(() => process.exit(code), STOP_GRACE_MS);
      stop().then(
        () => process.exit(code),
        () => process.exit(code),
      );
    });
  }
}
