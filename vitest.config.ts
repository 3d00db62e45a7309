import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Property tests run thousands of cases; the default 5 s is for unit tests.
    testTimeout: 60_000,
    // Set-up opens real databases and hashes real argon2 passwords; on a loaded 2-core machine that takes a while.
    hookTimeout: 120_000,
    // CI also writes a machine-readable summary that .ci/run turns into its closing line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".ci/test-results.json" }]] : ["default"],
  },
});
