import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { createAgency, decideAgencyChange, proposeAgencyChange } from "../src/agencies/agencies.service.js";
import {
  activateOfficer,
  bootstrapStaffUser,
  confirmEmail,
  enrolTotp,
  registerOfficer,
} from "../src/auth/accounts.service.js";
import { currentTotpCode } from "../src/auth/credentials.js";
import { createApiToken } from "../src/auth/sessions.service.js";
import type { Principal } from "../src/authz/authz.js";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { listOutbox } from "../src/mail/outbox.js";
import { activatePolicy } from "../src/policy/policy.store.js";
import { ratioOf } from "./harness.js";
import { scratchDatabase } from "./support/postgres.js";

/** The bench sets up as an operator at the shell would. */
const BENCH = { operator: "cli:bench" } as const;

/**
 * Durable submissions per second through HTTP on PostgreSQL: an agency system posts request documents
 * with its API token to the real server (authentication, validation, intake with decision and audit
 * entry, commit) — beside a bare Fastify route answering a constant, driven the same way in the same run.
 * The servers run in their own processes; autocannon drives them over 127.0.0.1.
 */

const CONNECTIONS = 16;
const POLICY = readFileSync(new URL("../policies/example.yaml", import.meta.url), "utf8");

function documentFor(i: number): string {
  return JSON.stringify({
    reference: `HTTP-BENCH-${process.pid}-${i}`,
    receivedAt: "2020-09-14T11:45:00Z",
    jurisdiction: "US",
    agency: { name: "Benchmark Police Department", email: "officer@bench.gov" },
    process: "court_order",
    issuedBy: "District Court",
    targets: [
      { type: "phone", value: `+1202555${String(i % 10_000).padStart(4, "0")}` },
      { type: "email", value: `suspect${i}@example.org` },
    ],
    categories: ["subscriber.name", "subscriber.phone", "records.ip_logs", "content.messages"],
    dateRange: { from: "2020-06-01", to: "2020-09-01" },
  });
}

async function startServer(
  kind: "custodian" | "bare",
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", new URL("./support/http-server.ts", import.meta.url).pathname, kind],
    {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

// Every submission needs its own reference (a second one is refused as a duplicate), across runs too.
let submitted = 0;

async function serverCpuMs(child: ChildProcess): Promise<number> {
  const answer = once(child.stdout as NodeJS.ReadableStream, "data");
  child.kill("SIGUSR2");
  const [chunk] = (await answer) as [Buffer];
  return Number(/cpu-ms ([\d.]+)/.exec(chunk.toString())?.[1] ?? Number.NaN);
}

async function load(port: number, seconds: number, token: string | undefined) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path: "/api/v1/requests",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        setupRequest: (request) => ({ ...request, body: documentFor(submitted++) }),
      },
    ],
  });
  return {
    perSecond: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

export const benchmark = {
  name: "http",
  description: "durable submissions/s through HTTP (API token, PostgreSQL) vs a bare Fastify constant route",
  async run(scale: number) {
    const seconds = Math.max(3, Math.round(15 * scale));
    const scratch = await scratchDatabase("http");
    const database = await openDatabase({ url: scratch.url });
    const servers: ChildProcess[] = [];
    try {
      const db = database.db;
      await migrateToLatest(db);
      const now = () => new Date();
      await db.transaction().execute((tx) => activatePolicy(tx, POLICY, BENCH, now()));
      const setup = { operator: "cli:bench-setup" } as const;
      const admins: Principal[] = [];
      for (const name of ["admin1", "admin2", "intake"]) {
        const created = await bootstrapStaffUser(
          db,
          setup,
          {
            email: `${name}@bench.example`,
            displayName: name,
            role: name === "intake" ? "intake" : "admin",
            password: "bench password 123",
          },
          now(),
        );
        admins.push({
          userId: created.userId,
          email: `${name}@bench.example`,
          role: name === "intake" ? "intake" : "admin",
          agencyId: null,
          via: "session",
          scopes: "all",
        });
      }
      const [admin1, admin2, intake] = admins as [Principal, Principal, Principal];
      const agencyId = await createAgency(
        db,
        admin1,
        { name: "Benchmark Police Department", jurisdiction: "US" },
        now(),
      );
      for (const change of [
        { kind: "add_domain" as const, value: "bench.gov" },
        { kind: "set_phone" as const, value: "+12025550100" },
      ]) {
        await decideAgencyChange(
          db,
          admin2,
          await proposeAgencyChange(db, admin1, agencyId, change, now()),
          true,
          now(),
        );
      }
      const { userId } = await registerOfficer(
        db,
        { email: "officer@bench.gov", displayName: "Officer", password: "bench password 123" },
        "http://127.0.0.1",
        now(),
      );
      const [mail] = await listOutbox(db, BENCH, { recipient: "officer@bench.gov", limit: 1 });
      const confirmToken = mail?.body.match(/confirm#([\w-]+)/)?.[1] as string;
      const { totpSecret } = await confirmEmail(db, confirmToken, now());
      await enrolTotp(db, confirmToken, currentTotpCode(totpSecret, now()), now());
      await activateOfficer(db, intake, userId, { confirmed: true, note: "bench" }, now());
      const officer: Principal = {
        userId,
        email: "officer@bench.gov",
        role: "agency",
        agencyId,
        via: "session",
        scopes: "all",
      };
      const { token } = await createApiToken(
        db,
        officer,
        { name: "bench", scopes: ["requests:write"], expiresInDays: 1 },
        now(),
      );

      const bare = await startServer("bare", process.env);
      servers.push(bare.child);
      await load(bare.port, 2, undefined); // warm-up
      const baseline = await load(bare.port, seconds, undefined);
      bare.child.kill();

      const env = { ...process.env, DATABASE_URL: scratch.url };
      const app = await startServer("custodian", env);
      servers.push(app.child);
      await load(app.port, 2, token); // warm-up: JIT, pool, policy cache
      const cpuBefore = await serverCpuMs(app.child);
      const measured = await load(app.port, seconds, token);
      const cpuPerSubmission = ((await serverCpuMs(app.child)) - cpuBefore) / measured.total;
      if (measured.non2xx > 0 || measured.errors > 0) {
        throw new Error(`http bench: ${measured.non2xx} non-2xx answers and ${measured.errors} errors`);
      }
      const stored = await db
        .selectFrom("request")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return [
        {
          bench: "http",
          figure: "durable submissions/s (HTTP, API token, PostgreSQL)",
          value: Math.round(measured.perSecond),
          peer: "bare Fastify route returning a constant",
          peerValue: Math.round(baseline.perSecond),
          ratio: ratioOf(measured.perSecond, baseline.perSecond),
          note: `${CONNECTIONS} connections, ${seconds} s; ${Number(stored.n)} requests stored; server CPU ${cpuPerSubmission.toFixed(2)} ms per submission`,
        },
        {
          bench: "http",
          figure: "submission p99 latency, ms",
          value: measured.p99,
          peer: "bare route p99, ms",
          peerValue: baseline.p99,
          ratio: ratioOf(baseline.p99 || 1, measured.p99 || 1),
          note: "target: ≥ 1,000 submissions/s with p99 under 50 ms",
        },
      ];
    } finally {
      for (const child of servers) if (child.exitCode === null) child.kill();
      await database.close();
      await scratch.drop();
    }
  },
};

export default benchmark;
