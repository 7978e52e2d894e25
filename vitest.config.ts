import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks, not threads: each test file starts child processes (Pebble, Azurite) and
    // NODE_EXTRA_CA_CERTS (set by the global setup) is read only when a process starts.
    pool: 'forks',
    globalSetup: ['devstack/stack/vitestGlobalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: running two stacks at once is the most this machine carries well.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
