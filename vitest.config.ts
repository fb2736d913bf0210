import { defineConfig } from 'vitest/config';

// Tests start real processes and sockets: run files one after another so two
// suites never compete for the two cores of the reference machine.
export default defineConfig({
  test: {
    include: ['spec/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Buses inside the test process log warnings only; child processes log at info (spec/support/processes.ts).
    env: { GRIDLINK_LOG: 'warn' },
  },
});
