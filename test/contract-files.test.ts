import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { contractFiles, SCHEMAS_DIR } from "../scripts/schemas.js";
import { EXAMPLE_POLICY, requestDocument } from "./support/fixtures.js";

/**
 * schemas/ is what an agency, a policy author or a client generator reads without running the server: it
 * must be what the code generates now, or it says something the server does not do.
 */
describe("the published contract files in schemas/", () => {
  it("are what npm run schemas generates from the code", async () => {
    for (const [name, generated] of await contractFiles()) {
      const checkedIn = readFileSync(join(SCHEMAS_DIR, name), "utf8");
      expect(checkedIn === generated, `schemas/${name} is stale: run npm run schemas and commit it`).toBe(true);
    }
  });

  it("validate a request document and a policy document as the server does", () => {
    const ajv = new Ajv2020({ allErrors: true });
    addFormats.default(ajv);
    const request = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, "request.schema.json"), "utf8")));
    expect(request(JSON.parse(requestDocument())), JSON.stringify(request.errors)).toBe(true);
    expect(request(JSON.parse(requestDocument({ process: "rumour" })))).toBe(false);
    expect(request(JSON.parse(requestDocument({ targets: [] })))).toBe(false);
    const policy = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, "policy.schema.json"), "utf8")));
    expect(policy(parseYaml(EXAMPLE_POLICY)), JSON.stringify(policy.errors)).toBe(true);
    expect(policy({ ...parseYaml(EXAMPLE_POLICY), surprise: true })).toBe(false);
  });
});
