import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../../test/support/db.js";
import { requestDocument } from "../../test/support/fixtures.js";
import { confirmationToken, type Desk, openDesk, PASSWORD } from "../../test/support/http.js";
import { currentTotpCode } from "../auth/credentials.js";
import { SESSION_COOKIE } from "./session.js";

/**
 * The door, tried as a new officer and as an agency system would: register under a verified domain,
 * confirm, enrol a second factor, wait for the call-back, sign in, submit with a document, follow it;
 * tokens scoped, revocable and expiring; cookies and headers as a browser needs them.
 */
describe.each(DRIVERS)("sign-in, registration and tokens on %s", (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver);
  });
  afterAll(async () => {
    await desk?.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    desk.app.inject({ method: "POST", url, payload: payload as object, headers });

  it("takes a new officer from registration to a followed request", async () => {
    const email = "new.agent@fbi.gov";
    const registered = await post("/api/v1/registrations", { email, displayName: "New Agent", password: PASSWORD });
    expect(registered.statusCode, registered.body).toBe(202);
    const token = await confirmationToken(desk.db, email);
    const confirmed = await post("/api/v1/registrations/confirm", { token });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const { totpSecret, otpauthUri } = confirmed.json() as { totpSecret: string; otpauthUri: string };
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const wrong = await post("/api/v1/registrations/second-factor", { token, code: "000000" });
    expect(wrong.statusCode).toBe(400);
    desk.clock.advance(31_000);
    const enrolled = await post("/api/v1/registrations/second-factor", {
      token,
      code: currentTotpCode(totpSecret, desk.clock.now()),
    });
    expect(enrolled.json()).toEqual({ status: "awaiting_callback" });
    // The link is spent once the factor is enrolled.
    expect((await post("/api/v1/registrations/confirm", { token })).statusCode).toBe(404);

    // Pending until the call-back: the password and code open nothing yet.
    desk.clock.advance(31_000);
    const early = await post("/api/v1/session", {
      email,
      password: PASSWORD,
      code: currentTotpCode(totpSecret, desk.clock.now()),
    });
    expect(early.statusCode).toBe(401);

    const intake = await desk.signIn(desk.accounts.intake);
    const users = await desk.app.inject({
      method: "GET",
      url: "/api/v1/users?status=pending",
      headers: (await desk.signIn(desk.accounts.admin)).headers,
    });
    const pending = (users.json() as { items: Array<{ id: string; email: string }> }).items.find(
      (u) => u.email === email,
    );
    expect(pending).toBeDefined();
    const activated = await post(
      `/api/v1/users/${pending?.id}/activate`,
      { confirmed: true, note: "Called the FBI switchboard on file; supervisor confirmed." },
      intake.headers,
    );
    expect(activated.json()).toEqual({ status: "active", calledNumber: "+12023243000" });
    const callback = await desk.db
      .selectFrom("callback")
      .select("called_number")
      .where("subject_id", "=", pending?.id as string)
      .executeTakeFirstOrThrow();
    expect(callback.called_number).toBe("+12023243000");

    const officer = await desk.signIn({
      userId: pending?.id as string,
      email,
      role: "agency",
      agencyId: desk.agencies.a,
      totpSecret,
    });
    const boundary = "----form";
    const pdf = "%PDF-1.7\nsearch warrant, District Court\n%%EOF";
    const doc = requestDocument({ jurisdiction: "US", process: "search_warrant", categories: ["content.posts"] });
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": `multipart/form-data; boundary=${boundary}` },
      payload: [
        `--${boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n${doc}\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="warrant"; filename="warrant.pdf"\r\nContent-Type: application/pdf\r\n\r\n${pdf}\r\n`,
        `--${boundary}--\r\n`,
      ].join(""),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const seen = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: officer.headers });
    const view = seen.json() as { status: string; documents: Array<{ sha256: string; stored: boolean }> };
    expect(view.status).toBe("received");
    expect(view.documents[0]?.stored).toBe(true);
    const file = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests/${id}/documents/0`,
      headers: officer.headers,
    });
    expect(file.body).toBe(pdf);
    expect(file.headers["x-content-sha256"]).toBe(view.documents[0]?.sha256);
    const mine = await desk.app.inject({ method: "GET", url: "/api/v1/requests", headers: officer.headers });
    expect((mine.json() as { items: Array<{ id: string }> }).items.map((r) => r.id)).toContain(id);
  });

  it("sets the session cookie HttpOnly, Secure and SameSite, and the security headers", async () => {
    desk.clock.advance(31_000);
    const response = await post("/api/v1/session", {
      email: desk.accounts.reviewer.email,
      password: PASSWORD,
      code: currentTotpCode(desk.accounts.reviewer.totpSecret, desk.clock.now()),
    });
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
    expect(response.headers["strict-transport-security"]).toContain("max-age=");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(response.body).not.toContain(cookie?.value as string);
  });

  it("refuses a second use of the same code, and signs out", async () => {
    desk.clock.advance(31_000);
    const code = currentTotpCode(desk.accounts.auditor.totpSecret, desk.clock.now());
    const body = { email: desk.accounts.auditor.email, password: PASSWORD, code };
    expect((await post("/api/v1/session", body)).statusCode).toBe(200);
    expect((await post("/api/v1/session", body)).statusCode).toBe(401);
    const session = await desk.signIn(desk.accounts.auditor);
    const out = await desk.app.inject({ method: "DELETE", url: "/api/v1/session", headers: session.headers });
    expect(out.statusCode).toBe(204);
    const after = await desk.app.inject({ method: "GET", url: "/api/v1/session", headers: session.headers });
    expect(after.statusCode).toBe(401);
  });

  it("rate-limits guesses at sign-in", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await post("/api/v1/session", { email: "guess@fbi.gov", password: `guess ${i}`, code: "123456" });
      statuses.push(r.statusCode);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it("gives agency systems scoped tokens that can be revoked and that expire", async () => {
    const officer = await desk.signIn(desk.accounts.officerA);
    const created = await post(
      "/api/v1/tokens",
      { name: "case system", scopes: ["requests:read"], expiresInDays: 1 },
      officer.headers,
    );
    expect(created.statusCode, created.body).toBe(201);
    const { token, item } = created.json() as { token: string; item: { id: string } };
    const bearer = { authorization: `Bearer ${token}` };
    expect((await desk.app.inject({ method: "GET", url: "/api/v1/requests", headers: bearer })).statusCode).toBe(200);
    // Read-only: it cannot submit, and no token can manage tokens or work the desk.
    const write = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...bearer, "content-type": "application/json" },
      payload: requestDocument(),
    });
    expect(write.statusCode).toBe(403);
    expect((await desk.app.inject({ method: "GET", url: "/api/v1/tokens", headers: bearer })).statusCode).toBe(403);
    const stored = await desk.db
      .selectFrom("api_token")
      .select("token_hash")
      .where("id", "=", item.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    desk.clock.advance(2 * 86_400_000);
    expect((await desk.app.inject({ method: "GET", url: "/api/v1/requests", headers: bearer })).statusCode).toBe(401);
    desk.clock.advance(-2 * 86_400_000);
    const revoked = await desk.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${item.id}`,
      headers: officer.headers,
    });
    expect(revoked.statusCode).toBe(204);
    expect((await desk.app.inject({ method: "GET", url: "/api/v1/requests", headers: bearer })).statusCode).toBe(401);
  });

  it("needs two admins to change what vouches for an agency", async () => {
    const admin = await desk.signIn(desk.accounts.admin);
    const proposed = await post(
      `/api/v1/agencies/${desk.agencies.a}/changes`,
      { kind: "set_phone", value: "+12025550199" },
      admin.headers,
    );
    expect(proposed.statusCode, proposed.body).toBe(201);
    const { id } = proposed.json() as { id: string };
    const self = await post(`/api/v1/agency-changes/${id}/approve`, {}, admin.headers);
    expect(self.statusCode).toBe(409);
    const lookalike = await post(
      `/api/v1/agencies/${desk.agencies.a}/changes`,
      { kind: "add_domain", value: "met-police.uk" },
      admin.headers,
    );
    expect(lookalike.statusCode).toBe(400);
    expect((lookalike.json() as { errors: Array<{ path: string }> }).errors[0]?.path).toBe("value");
  });
});
