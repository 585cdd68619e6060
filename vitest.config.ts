import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    // Files share one real database and Redis; running them one at a time keeps the relay tests'
    // crash-and-restart assertions free of interference, and the whole suite still takes seconds.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
  },
});
