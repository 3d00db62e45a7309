import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import { z } from "zod";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/database.js";
import { requestDocumentSchema } from "../src/domain/request.schema.js";
import { policyDocumentSchema } from "../src/policy/policy.schema.js";
import { buildApp } from "../src/server/app.js";

/**
 * The published contract, generated from the code and checked in under schemas/ so that an agency or a
 * policy author can validate a document before sending it, and a client can be typed without running a
 * server: the OpenAPI document of /api/v1 (and its TypeScript types), and JSON Schemas of the request
 * document and the policy document. `npm run schemas` writes them; test/contract-files.test.ts fails
 * while a checked-in file differs from what the code generates.
 */

export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");

/** The OpenAPI document exactly as the server serves it at /api/v1/openapi.json. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  // The document is built from the routes alone; the database is never asked.
  const database = await openDatabase({ dataDir: "memory://" });
  try {
    const app = await buildApp({ db: database.db, config: loadConfig({}) });
    await app.ready();
    const document = app.swagger() as unknown as Record<string, unknown>;
    await app.close();
    return document;
  } finally {
    await database.close();
  }
}

// What a sender writes (before defaults and transforms are applied), with the schema's own identifier.
function jsonSchemaOf(schema: z.ZodType, id: string, title: string): string {
  const generated = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
  return json({ ...generated, $id: id, title });
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Every file of schemas/ by name, as the code generates it now. */
export async function contractFiles(): Promise<Map<string, string>> {
  const openapi = await openApiDocument();
  const types = astToString(await openapiTS(openapi as never));
  return new Map([
    ["openapi.json", json(openapi)],
    [
      "openapi.d.ts",
      `// Generated from openapi.json by npm run schemas (openapi-typescript): do not edit.\n\n${types}`,
    ],
    ["request.schema.json", jsonSchemaOf(requestDocumentSchema, "request.schema.json", "Custodian request document")],
    ["policy.schema.json", jsonSchemaOf(policyDocumentSchema, "policy.schema.json", "Custodian policy document")],
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const [name, content] of await contractFiles()) {
    writeFileSync(join(SCHEMAS_DIR, name), content);
    console.log(`wrote schemas/${name}`);
  }
}
