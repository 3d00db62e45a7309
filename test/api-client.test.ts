import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { paths } from "../schemas/openapi.js";
import { type Desk, openDesk } from "./support/http.js";

/**
 * A client typed from the checked-in OpenAPI document (schemas/openapi.d.ts, openapi-typescript) talks to
 * a real server: an officer mints an API token, submits a request with it and reads it back. It compiles
 * only while the document describes these operations as the client uses them.
 */
describe("a client generated from the OpenAPI document", () => {
  let desk: Desk;
  let baseUrl: string;
  beforeAll(async () => {
    desk = await openDesk("pglite");
    baseUrl = await desk.app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("submits a request and reads it back", async () => {
    const session = await desk.signIn(desk.accounts.officerA);
    const client = createClient<paths>({ baseUrl });
    const minted = await client.POST("/api/v1/tokens", {
      headers: session.headers,
      body: { name: "case system", scopes: ["requests:read", "requests:write"], expiresInDays: 30 },
    });
    expect(minted.response.status).toBe(201);
    const token = minted.data?.token ?? "";
    expect(minted.data?.item.scopes).toEqual(["requests:read", "requests:write"]);

    const agency = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });
    const submitted = await agency.POST("/api/v1/requests", {
      body: {
        reference: "FBI-2026-0042",
        receivedAt: "2026-11-30T09:30:00Z",
        jurisdiction: "US",
        agency: { name: "Federal Bureau of Investigation", email: desk.accounts.officerA.email },
        process: "court_order",
        targets: [{ type: "email", value: "someone@example.com" }],
        categories: ["subscriber.email"],
      },
    });
    expect(submitted.error).toBeUndefined();
    expect(submitted.response.status).toBe(201);
    const id = submitted.data?.id ?? "";
    expect(submitted.response.headers.get("location")).toBe(`/api/v1/requests/${id}`);

    const read = await agency.GET("/api/v1/requests/{id}", { params: { path: { id } } });
    expect(read.response.status).toBe(200);
    expect(read.data).toMatchObject({ id, reference: "FBI-2026-0042", status: submitted.data?.status });

    const refused = await agency.GET("/api/v1/requests/{id}", {
      params: { path: { id: "00000000-0000-4000-8000-000000000000" } },
    });
    expect(refused.response.status).toBe(404);
    expect(refused.error).toMatchObject({ status: 404, title: "Not Found" });
  });
});
