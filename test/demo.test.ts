import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { currentTotpCode } from "../src/auth/credentials.js";
import { openDatabase } from "../src/db/database.js";
import { ROOT } from "./support/fixtures.js";
import { type ServerProcess, startProcess } from "./support/server-process.js";

/**
 * `custodian demo` as an operator runs it (the built program, a real signal): sign-in is ready before the
 * long history is recorded, mail links follow the port it was given, checkpoints are signed with a key it
 * made, and a demo stopped halfway through the history goes on from there the next time, without doubles.
 */

const dataDir = join(mkdtempSync(join(tmpdir(), "custodian-demo-run-")), "demo");
// The embedded directory whatever the run points at; a sliver of the history (about 9,800 requests, ten batches).
const env = {
  DATABASE_URL: undefined,
  CUSTODIAN_MASTER_KEY: undefined,
  CUSTODIAN_MASTER_KEY_FILE: undefined,
  CUSTODIAN_AUDIT_SIGNING_KEY: undefined,
  CUSTODIAN_AUDIT_SIGNING_KEY_FILE: undefined,
  CUSTODIAN_PUBLIC_URL: undefined,
  CUSTODIAN_DEMO_SCALE: "0.04",
};
const processes: ServerProcess[] = [];
let firstUrl = "";
let signIns = "";

/** A session cookie for one of the accounts the first run printed. */
async function signInAs(url: string, role: string): Promise<string> {
  const line = new RegExp(`^ +${role} +(\\S+@\\S+) +(\\S+) +([A-Z2-7]{32}) `, "m").exec(signIns) as RegExpExecArray;
  const [, email, password, secret] = line;
  const response = await fetch(`${url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, code: currentTotpCode(secret as string) }),
  });
  expect(response.status).toBe(200);
  return response.headers.get("set-cookie")?.split(";")[0] ?? "";
}

afterAll(async () => {
  for (const child of processes) await child.kill();
});

function demo(): ServerProcess {
  const child = startProcess(["demo", "--port", "0", "--data", dataDir], env);
  processes.push(child);
  return child;
}

async function stop(child: ServerProcess) {
  child.child.kill("SIGTERM");
  expect(await child.exited).toBe(0);
}

describe("custodian demo, run by an operator", () => {
  it("is ready to sign in before the history is recorded, with mail links on its own port", async () => {
    const first = demo();
    const ready = await first.waitFor(/Ready to sign in after ([\d.]+) s/, 300_000);
    const url = (await first.waitFor(/Custodian demo at (http:\/\/127\.0\.0\.1:(\d+))/))[1] as string;
    signIns = first.stdout();
    await signInAs(url, "admin");
    // Signed in while the history was still being written.
    expect(first.stdout()).not.toMatch(/history: all/);
    console.info(`demo: ready to sign in after ${ready[1]} s (reported by the process)`);

    firstUrl = url;

    // Stopped partway through the history: what was recorded stays, and the stop is clean.
    await first.waitFor(/history: [1-9][\d,]* of [\d,]+ past requests recorded/, 300_000);
    await stop(first);
    expect(first.stdout()).toMatch(/history: stopped; the next `custodian demo` on this directory goes on/);
  }, 700_000);

  it("goes on with the history where it stopped, then the report is whole and the signed trail verifies", async () => {
    const second = demo();
    await second.waitFor(/demo data from an earlier run/, 300_000);
    const total = Number(
      ((await second.waitFor(/history: all ([\d,]+) past requests recorded/, 300_000))[1] as string).replace(/,/g, ""),
    );
    const url = (/Custodian demo at (http:\/\/\S+)/.exec(second.stdout()) as RegExpExecArray)[1];
    const report = await fetch(`${url}/api/v1/reports/2020H2`);
    const auditor = await signInAs(url as string, "auditor");
    const outbox = await fetch(`${url}/api/v1/outbox`, { headers: { cookie: auditor } });
    const { items } = (await outbox.json()) as { items: Array<{ purpose: string; body: string }> };
    const confirmations = items.filter((m) => m.purpose === "officer.confirm_email");
    expect(confirmations.length).toBeGreaterThan(0);
    // Written while the first run listened on a port the system chose: the links point there.
    for (const mail of confirmations) expect(mail.body).toContain(`${firstUrl}/portal/confirm#`);
    const { rows } = (await report.json()) as { rows: Array<{ jurisdiction: string; requests_held: number }> };
    expect(rows.some((r) => r.jurisdiction === "HK" && r.requests_held > 0)).toBe(true);
    await stop(second);

    const verify = spawnSync(process.execPath, [`${ROOT}dist/cli/main.js`, "audit", "verify", "--data", dataDir], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env, CUSTODIAN_AUDIT_SIGNING_KEY_FILE: `${dataDir}.audit-signing-key` },
    });
    expect(verify.stdout).toMatch(/audit trail intact/);
    expect(Number(/(\d+) checkpoint\(s\) verified/.exec(verify.stdout)?.[1])).toBeGreaterThan(0);
    expect(verify.status).toBe(0);

    // Every planned request once: none lost at the stop, none written twice by the resumption.
    const database = await openDatabase({ dataDir });
    try {
      const recorded = await database.db
        .selectFrom("request")
        .select(({ fn }) => [fn.countAll<number>().as("n"), fn.count<number>("reference").distinct().as("distinct")])
        .where("reference", "~", "^[A-Z]{2}-20[0-9]{2}H[12]-[SC]-[0-9]+$")
        .executeTakeFirstOrThrow();
      expect(Number(recorded.n)).toBe(total);
      expect(Number(recorded.distinct)).toBe(total);
    } finally {
      await database.close();
    }
  }, 700_000);
});
