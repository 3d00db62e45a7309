import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Property tests run thousands of cases; the default 5 s is for unit tests.
    testTimeout: 60_000,
  },
});
