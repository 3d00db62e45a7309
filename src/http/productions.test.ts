import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../../test/support/db.js";
import { deliveredProduction, tarFiles } from "../../test/support/fulfilment.js";
import { type Desk, openDesk, principalOf } from "../../test/support/http.js";
import { createApiToken } from "../auth/sessions.service.js";

/** GET /api/v1/productions/:id/download through the real server: once, only for the right agency's session. */

const MASTER_KEY = Buffer.alloc(32, 9).toString("base64");

describe.each(DRIVERS)("production download over HTTP on %s", (driver) => {
  let desk: Desk;
  let productionId: string;

  beforeAll(async () => {
    desk = await openDesk(driver, { CUSTODIAN_MASTER_KEY: MASTER_KEY });
    ({ productionId } = await deliveredProduction(desk));
  });
  afterAll(async () => {
    await desk?.close();
  });

  const get = (headers: Record<string, string> = {}, id = productionId) =>
    desk.app.inject({ method: "GET", url: `/api/v1/productions/${id}/download`, headers });

  it("delivers the bag once to the requesting agency's officer, and refuses (and audits) everyone else", async () => {
    expect((await get()).statusCode).toBe(401);
    const officerB = await desk.signIn(desk.accounts.officerB);
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const { token } = await createApiToken(
      desk.db,
      principalOf(desk.accounts.officerA),
      { name: "records system", scopes: ["requests:read"], expiresInDays: 30 },
      desk.clock.now(),
    );
    const foreign = await get(officerB.headers);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect((await get(reviewer.headers)).statusCode).toBe(403);
    expect((await get({ authorization: `Bearer ${token}` })).statusCode).toBe(403);

    const officerA = await desk.signIn(desk.accounts.officerA);
    const response = await get(officerA.headers);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/x-tar");
    expect(response.headers["content-disposition"]).toBe(
      `attachment; filename="custodian-production-${productionId}.tar"`,
    );
    const tar = response.rawPayload;
    expect(tar.length).toBe(Number(response.headers["content-length"]));
    const files = await tarFiles(tar);
    const bag = `custodian-production-${productionId}`;
    expect(files.has(`${bag}/manifest-sha256.txt`)).toBe(true);
    expect((files.get(`${bag}/data/subscriber.name.json`) as Buffer).toString()).toContain("Daniel Reyes");

    const again = await get(officerA.headers);
    expect(again.statusCode).toBe(409);
    expect((again.json() as { detail: string }).detail).toMatch(/already downloaded/);

    const trail = await desk.db
      .selectFrom("audit_event")
      .select(["action", "payload"])
      .where("object_id", "=", productionId)
      .where("action", "in", ["production.downloaded", "production.download_refused"])
      .orderBy("id")
      .execute();
    expect(trail.map((e) => [e.action, (e.payload as { reason?: string }).reason])).toEqual([
      ["production.download_refused", "other_agency"],
      ["production.download_refused", "not_an_agency_officer"],
      ["production.download_refused", "not_a_session"],
      ["production.downloaded", undefined],
      ["production.download_refused", "already_downloaded"],
    ]);
  });
});
