import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Desk, openDesk } from "../../test/support/http.js";

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
});
