import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../test/support/fixtures.js";
import { type Desk, openDesk } from "../../test/support/http.js";

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** The OpenAPI document is generated from the routes' zod schemas; it must be a valid OpenAPI 3.1 document. */
describe("the OpenAPI document", () => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk("pglite");
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("validates against the OpenAPI 3.1 schema and lists every route", async () => {
    const response = await desk.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    const document = response.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const routes = desk.app.routeTable
      .filter((r) => r.url.startsWith("/api/v1") && r.url !== "/api/v1/openapi.json")
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it("documents the request body with the contract's fields", async () => {
    const document = (await desk.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { properties: object } }> } } }
      >;
    };
    const schema = document.paths["/api/v1/requests"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(Object.keys(schema?.properties ?? {})).toEqual(
      expect.arrayContaining(["reference", "jurisdiction", "process", "targets", "categories", "dateRange"]),
    );
  });

  it("gives every operation a unique operationId, its 2xx response and its security requirement", async () => {
    const document = (await desk.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, ...op })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const ids = operations.map((op) => op.operationId);
    expect(operations.filter((op) => !/^[a-z][A-Za-z]+$/.test(op.operationId ?? "")).map((op) => op.name)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    // A 2xx with a body says what the body is; only a 204 has none.
    const undescribed = operations.filter((op) => {
      const success = Object.entries(op.responses).filter(([code]) => code.startsWith("2"));
      return (
        success.length === 0 ||
        success.some(([code, r]) => code !== "204" && !Object.values(r.content ?? {}).some((c) => c.schema))
      );
    });
    expect(undescribed.map((op) => op.name)).toEqual([]);
    expect(operations.filter((op) => op.security === undefined).map((op) => op.name)).toEqual([]);
    // The public operations are exactly the routes whose access rule is public.
    const publicRoutes = desk.app.routeTable
      .filter((r) => r.url.startsWith("/api/v1") && r.access === "public" && r.url !== "/api/v1/openapi.json")
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`)
      .sort();
    expect(
      operations
        .filter((op) => op.security?.length === 0)
        .map((op) => op.name)
        .sort(),
    ).toEqual(publicRoutes);
    const submit = document.paths["/api/v1/requests"]?.post;
    expect(submit?.security).toEqual([{ session: [] }, { token: ["requests:write"] }]);
  });

  it("passes Redocly's recommended rules with no error", async () => {
    const response = await desk.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    const dir = mkdtempSync(join(tmpdir(), "custodian-openapi-"));
    try {
      const file = join(dir, "openapi.json");
      writeFileSync(file, response.body);
      const { stdout } = await promisify(execFile)(
        join(ROOT, "node_modules/.bin/redocly"),
        ["lint", file, "--config", join(ROOT, "redocly.yaml"), "--format", "json"],
        // No telemetry or update check: the test must not reach outside this machine.
        { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
      const report = JSON.parse(stdout) as {
        totals: { errors: number; warnings: number };
        problems: Array<{ ruleId: string; severity: string; message: string }>;
      };
      expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
