/**
 * `npm run issue:local` as a user meets it, run as a child process: its exit code, what it prints
 * when Pebble is missing, what Ctrl-C and `kill` leave behind (processes, via /proc) and that no
 * private key stays in the temporary directory (TMPDIR points at a fresh one for this file; the
 * runs go one after the other, so what a run leaves there is what appeared during it).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_DIR_ENV } from '../../devstack/tls/testCa';

const root = join(__dirname, '..', '..');
/**
 * The command `npm run issue:local` execs (package.json), run the way npm runs it: with
 * node_modules/.bin first on PATH. Node itself receives the signals, with tsx only as a loader
 * (tsx's own CLI, relaying a signal, SIGKILLs a child that takes over 60 ms to acknowledge it).
 */
const [command, ...commandArgs] = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
  'issue:local'
]!.replace(/^exec /, '').split(' ');
const STACK_UP = /^Local stack up in /m;

interface Run {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (128 + n for a signal, as a shell reports it). */
  readonly exited: Promise<number>;
  /** Resolves once stdout matches `pattern`; rejects if the run ends first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** What the run added to TMPDIR and left there, except tsx's cache of compiled sources. */
  leftovers(): string[];
}

let tmp: string;
/** tsx keeps compiled sources (which mention "PRIVATE KEY" in code) in TMPDIR/tsx-<uid>. */
const TSX_CACHE = /^tsx-\d+$/;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'issue-local-test-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function start(args: string[], options: { env?: Record<string, string>; ownProcessGroup?: boolean } = {}): Run {
  const before = new Set(readdirSync(tmp));
  // A user's shell has no test CA: drop the one vitest's global setup put into this process's environment.
  const { [CA_DIR_ENV]: _ca, ...env } = process.env;
  const child = spawn(command!, [...commandArgs, ...args], {
    cwd: root,
    env: { ...env, PATH: `${join(root, 'node_modules', '.bin')}:${env.PATH ?? ''}`, TMPDIR: tmp, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    watchers.forEach((w) => w());
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15))),
  );
  return {
    child,
    leftovers: () => readdirSync(tmp).filter((entry) => !before.has(entry) && !TSX_CACHE.test(entry)),
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(stdout) && resolve();
        watchers.push(check);
        check();
        void exited.then(() => reject(new Error(`the run ended before printing ${pattern}:\n${stdout}\n${stderr}`)));
      }),
  };
}

interface Proc {
  readonly pid: number;
  readonly cmdline: string;
}

/** Every process below `pid`, from /proc (children lists of each thread). */
function descendants(pid: number): Proc[] {
  const found: Proc[] = [];
  const visit = (parent: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        found.push({ pid: child, cmdline: cmdlineOf(child) });
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Still running: present, not a zombie, and the same program (pids are not reused meanwhile). */
function running(proc: Proc): boolean {
  try {
    const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && cmdlineOf(proc.pid) === proc.cmdline;
  } catch {
    return false;
  }
}

/** Files in TMPDIR (outside tsx's cache) whose content contains "PRIVATE KEY". */
function privateKeyFiles(): string[] {
  const hits: string[] = [];
  for (const entry of readdirSync(tmp, { recursive: true, encoding: 'utf8' })) {
    if (TSX_CACHE.test(entry.split('/')[0] ?? '')) continue;
    const path = join(tmp, entry);
    try {
      if (statSync(path).isFile() && readFileSync(path, 'latin1').includes('PRIVATE KEY')) hits.push(path);
    } catch {
      // removed meanwhile
    }
  }
  return hits;
}

async function settled(procs: Proc[]): Promise<Proc[]> {
  // Processes killed last may take a moment to disappear.
  for (let i = 0; i < 40 && procs.some(running); i += 1) await new Promise((r) => setTimeout(r, 50));
  return procs.filter(running);
}

/** The stack's processes, found by program, among a run's descendants. */
function stackProcesses(procs: Proc[]): Record<'pebble' | 'challtestsrv' | 'azurite', Proc[]> {
  return {
    pebble: procs.filter((p) => /(^|\/)pebble -config /.test(p.cmdline)),
    challtestsrv: procs.filter((p) => /pebble-challtestsrv /.test(p.cmdline)),
    azurite: procs.filter((p) => /azurite\/dist\/src\/blob\/main\.js/.test(p.cmdline)),
  };
}

describe('npm run issue:local', () => {
  it('issues for a Unicode hostname with a trailing dot, checks the punycode name the starter uses, exits 0 and leaves no key', async () => {
    const run = start(['Bücher.Example.']);
    expect(await run.exited, run.stdout() + run.stderr()).toBe(0);
    expect(run.stdout()).toMatch(/^xn--bcher-kva\.example \(given as "Bücher\.Example\."\): served by the gateway with subject "CN=xn--bcher-kva\.example"/m);
    expect(run.stdout()).not.toMatch(/no certificate served/);
    expect(run.stdout()).toMatch(/^Instance issue-xn----bcher--kva-example: runtime status Completed; last customStatus: Completed /m);
    // The local state, not the Function App's management URLs (nothing listens on localhost:7071).
    expect(run.stdout()).not.toMatch(/statusQueryGetUri":/);
    expect(privateKeyFiles()).toEqual([]);
    expect(run.leftovers()).toEqual([]);
  });

  it('exits non-zero when the run fails (the starter refuses the hostname)', async () => {
    const run = start(['bad_name.example']);
    expect(await run.exited).toBe(1);
    expect(run.stdout()).toMatch(/^→ 400 /m);
    expect(privateKeyFiles()).toEqual([]);
    expect(run.leftovers()).toEqual([]);
  });

  it('says in one line which Debian package to install when pebble is missing, without a stack trace', async () => {
    const run = start(['a.example'], { env: { PEBBLE_BIN: '/nonexistent/pebble' } });
    expect(await run.exited).not.toBe(0);
    const lines = run.stderr().trim().split('\n');
    expect(lines, run.stderr()).toHaveLength(1);
    expect(lines[0]).toMatch(/^pebble not found: no executable at \/nonexistent\/pebble \(from PEBBLE_BIN\)\. Install the Debian package "pebble"/);
    expect(lines[0]).toMatch(/PEBBLE_BIN and CHALLTESTSRV_BIN/);
    expect(run.stderr()).not.toMatch(/\n\s+at |ENOENT/);
    expect(run.stdout()).toBe('');
  });

  for (const { name, signal, code, target } of [
    { name: '`kill` (SIGTERM) to the command', signal: 'SIGTERM', code: 143, target: 'command' },
    { name: 'Ctrl-C (SIGINT to the whole foreground process group)', signal: 'SIGINT', code: 130, target: 'group' },
    { name: '`kill` (SIGTERM) to the process that runs the stack', signal: 'SIGTERM', code: 143, target: 'stack runner' },
    { name: '`kill -9` of the process that runs the stack', signal: 'SIGKILL', code: 137, target: 'stack runner' },
  ] as const) {
    it(`${name} mid-run stops every process it started and leaves no key`, async () => {
      const run = start([], { ownProcessGroup: target === 'group' });
      await run.waitFor(STACK_UP);
      // While it runs, the test CA's key is on disk: the check below would see one left behind.
      expect(privateKeyFiles().length).toBeGreaterThan(0);
      const procs = descendants(run.child.pid!);
      const stack = stackProcesses(procs);
      expect(stack.pebble).toHaveLength(1);
      expect(stack.challtestsrv).toHaveLength(1);
      expect(stack.azurite).toHaveLength(1);
      if (target === 'command') process.kill(run.child.pid!, signal);
      else if (target === 'group') process.kill(-run.child.pid!, signal);
      else {
        // The node process whose children are Pebble and Azurite.
        const runner = procs.find((p) => p.pid === parentOf(stack.azurite[0]!.pid));
        expect(runner?.cmdline, JSON.stringify(procs)).toMatch(/issue-local\.ts/);
        process.kill(runner!.pid, signal);
      }
      expect(await run.exited, run.stdout() + run.stderr()).toBe(code);
      expect(await settled(procs)).toEqual([]);
      expect(privateKeyFiles()).toEqual([]);
      expect(run.leftovers()).toEqual([]);
    });
  }
});
