import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { TEST_OPERATOR } from "../../test/support/fixtures.js";
import { deliverDueMail, enqueueMail, listOutbox, type MailTransport } from "./outbox.js";

// A mail is due from when it is written (the database clock), so the test clock runs just ahead of it.
const T0 = new Date(Date.now() + 60_000);

describe.each(DRIVERS)("mail outbox on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("sends nothing for a change that rolled back, and sends due mail once, later mail when due", async () => {
    const sent: string[] = [];
    const transport: MailTransport = {
      async send(mail) {
        sent.push(`${mail.to}: ${mail.subject}`);
      },
    };
    await expect(
      database.db.transaction().execute(async (tx) => {
        await enqueueMail(tx, { to: "a@example.org", subject: "rolled back", body: "x", purpose: "test.mail" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await database.db.transaction().execute(async (tx) => {
      await enqueueMail(tx, { to: "b@example.org", subject: "now", body: "x", purpose: "test.mail" });
      await enqueueMail(tx, {
        to: "c@example.org",
        subject: "after the order",
        body: "x",
        purpose: "test.mail",
        notBefore: new Date(T0.getTime() + 86_400_000),
      });
    });
    expect(await deliverDueMail(database.db, transport, { now: () => T0 })).toEqual({ sent: 1, failed: 0 });
    expect(await deliverDueMail(database.db, transport, { now: () => T0 })).toEqual({ sent: 0, failed: 0 });
    const later = new Date(T0.getTime() + 2 * 86_400_000);
    expect(await deliverDueMail(database.db, transport, { now: () => later })).toEqual({ sent: 1, failed: 0 });
    expect(sent).toEqual(["b@example.org: now", "c@example.org: after the order"]);
    const listed = await listOutbox(database.db, TEST_OPERATOR, { purpose: "test.mail" });
    expect(listed.map((m) => [m.to, m.status])).toEqual([
      ["c@example.org", "sent"],
      ["b@example.org", "sent"],
    ]);
  });

  it("keeps a mail the server refused, backs off and counts the attempt", async () => {
    await database.db.transaction().execute(async (tx) => {
      await enqueueMail(tx, { to: "d@example.org", subject: "refused", body: "x", purpose: "test.refused" });
    });
    const failing: MailTransport = {
      async send() {
        throw new Error("450 mailbox busy");
      },
    };
    expect(await deliverDueMail(database.db, failing, { now: () => T0 })).toEqual({ sent: 0, failed: 1 });
    const [mail] = await listOutbox(database.db, TEST_OPERATOR, { purpose: "test.refused" });
    expect(mail?.status).toBe("pending");
    expect(Date.parse(mail?.notBefore ?? "")).toBeGreaterThan(T0.getTime());
    // Not due again at once: a server that is down is not retried in a tight loop.
    expect(await deliverDueMail(database.db, failing, { now: () => T0 })).toEqual({ sent: 0, failed: 0 });
  });
});
