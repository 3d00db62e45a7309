import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { TEST_OPERATOR } from "../../test/support/fixtures.js";
import { deliverDueMail, enqueueMail, listOutbox } from "./outbox.js";
import { smtpTransport } from "./smtp.js";

/** The outbox through a real SMTP conversation (a local SMTP server), not a stand-in transport. */
describe("mail over SMTP", () => {
  let database: TestDatabase;
  let server: SMTPServer;
  let port: number;
  const received: Array<{ from: string; to: string[]; data: string }> = [];

  beforeAll(async () => {
    database = await freshDatabase("pglite");
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, session, callback) {
        let data = "";
        stream.on("data", (chunk: Buffer) => {
          data += chunk.toString();
        });
        stream.on("end", () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database?.drop();
  });

  it("sends pending mail to the SMTP server and marks it sent", async () => {
    await database.db.transaction().execute(async (tx) => {
      await enqueueMail(tx, {
        to: "officer@fbi.gov",
        subject: "Confirm your Custodian registration",
        body: "Open the link.",
        purpose: "officer.confirm_email",
      });
    });
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, "custodian@provider.example");
    const result = await deliverDueMail(database.db, transport, { now: () => new Date(Date.now() + 1000) });
    expect(result).toEqual({ sent: 1, failed: 0 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: "custodian@provider.example", to: ["officer@fbi.gov"] });
    expect(received[0]?.data).toContain("Subject: Confirm your Custodian registration");
    expect(received[0]?.data).toContain("Open the link.");
    const [mail] = await listOutbox(database.db, TEST_OPERATOR, { recipient: "officer@fbi.gov" });
    expect(mail?.status).toBe("sent");
  });
});
