import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAgency, decideAgencyChange, proposeAgencyChange } from "../../src/agencies/agencies.service.js";
import {
  activateOfficer,
  bootstrapStaffUser,
  confirmEmail,
  enrolTotp,
  registerOfficer,
} from "../../src/auth/accounts.service.js";
import { currentTotpCode } from "../../src/auth/credentials.js";
import type { Principal } from "../../src/authz/authz.js";
import { type Config, loadConfig } from "../../src/config.js";
import type { Db, DriverName } from "../../src/db/database.js";
import type { Role } from "../../src/domain/vocabulary.js";
import type { App } from "../../src/http/context.js";
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from "../../src/http/session.js";
import { listOutbox } from "../../src/mail/outbox.js";
import { buildApp } from "../../src/server/app.js";
import { freshDatabase, type TestDatabase } from "./db.js";
import { activateExamplePolicy, TEST_OPERATOR } from "./fixtures.js";

/**
 * A real server on a real database, with two agencies and one account per role, each signed in through
 * the real sign-in route with a real second-factor code. The clock moves 31 s per sign-in, so each
 * sign-in gets a code from a step nobody used yet (codes are good once).
 */

export const PASSWORD = "correct horse battery staple";

export interface Account {
  userId: string;
  email: string;
  role: Role;
  agencyId: string | null;
  totpSecret: string;
}

export interface Session {
  account: Account;
  headers: Record<string, string>;
}

/** A signed-in browser as the pages see it: its cookies, and the CSRF token its forms carry. */
export interface PageSession {
  cookie: string;
  csrf: string;
}

export interface Desk {
  database: TestDatabase;
  db: Db;
  app: App;
  config: Config;
  clock: { now: () => Date; advance(ms: number): void };
  agencies: { a: string; b: string };
  accounts: Record<"officerA" | "officerB" | Exclude<Role, "agency">, Account>;
  /** A second admin, made with the others by the operator: the one who approves the first admin's proposals. */
  admin2: Account;
  /** Sign in through the API (JSON): a session cookie and the CSRF header. */
  signIn(account: Account): Promise<Session>;
  /** Sign in through the sign-in page's form, as a browser does. */
  signInPage(account: Account): Promise<PageSession>;
  close(): Promise<void>;
}

export const STAFF_ROLES = ["intake", "reviewer", "counsel", "admin", "auditor"] as const;

/**
 * `where.adminUrl`: a PostgreSQL server of the test's own (support/pg-cluster.ts) instead of DATABASE_URL's;
 * `where.dataDir`: an embedded database on disk (for a server process to open afterwards) instead of in memory.
 */
export async function openDesk(
  driver: DriverName,
  overrides: Record<string, string> = {},
  where: { adminUrl?: string; dataDir?: string } = {},
): Promise<Desk> {
  const database = await freshDatabase(driver, where.dataDir ?? "memory://", where.adminUrl);
  const db = database.db;
  // Ten minutes in the past: rows stamped by the database's own now() (an officer's registration) must not
  // predate what set-up stamped with this clock (the agency's phone on file), or activation refuses them.
  // Starting at the real time, the clock ran ahead of the database whenever set-up took under 2 s.
  let at = Date.now() - 600_000;
  const clock = {
    now: () => new Date(at),
    advance: (ms: number) => {
      at += ms;
    },
  };
  // Archives beside an embedded store on disk, as a command run with `--data` later finds them; else a
  // directory of the test's own, never the checkout's ./.custodian.
  const archives = where.dataDir
    ? `${where.dataDir}.archives`
    : mkdtempSync(join(tmpdir(), "custodian-test-archives-"));
  const config = loadConfig({
    CUSTODIAN_PUBLIC_URL: "http://127.0.0.1:4000",
    CUSTODIAN_ARCHIVE_STORE: `dir:${archives}`,
    ...overrides,
  });
  await activateExamplePolicy(db);
  const root = { operator: "cli:test-setup" } as const;
  const staff = {} as Record<Exclude<Role, "agency">, Account>;
  for (const role of STAFF_ROLES) {
    const email = `${role}@provider.example`;
    const created = await bootstrapStaffUser(
      db,
      root,
      { email, displayName: role, role, password: PASSWORD },
      clock.now(),
    );
    staff[role] = { userId: created.userId, email, role, agencyId: null, totpSecret: created.totpSecret };
  }
  const second = await bootstrapStaffUser(
    db,
    root,
    { email: "admin2@provider.example", displayName: "second admin", role: "admin", password: PASSWORD },
    clock.now(),
  );
  const adminPrincipal = principalOf(staff.admin);
  const admin2Account: Account = {
    userId: second.userId,
    email: "admin2@provider.example",
    role: "admin",
    agencyId: null,
    totpSecret: second.totpSecret,
  };
  const admin2: Principal = principalOf(admin2Account);
  const agency = async (name: string, jurisdiction: string, domain: string, phone: string) => {
    const id = await createAgency(db, adminPrincipal, { name, jurisdiction }, clock.now());
    for (const change of [
      { kind: "add_domain" as const, value: domain },
      { kind: "set_phone" as const, value: phone },
    ]) {
      const changeId = await proposeAgencyChange(db, adminPrincipal, id, change, clock.now());
      await decideAgencyChange(db, admin2, changeId, true, clock.now());
    }
    return id;
  };
  clock.advance(1000);
  const a = await agency("Federal Bureau of Investigation", "US", "fbi.gov", "+12023243000");
  const b = await agency("Metropolitan Police Service", "GB", "met.police.uk", "+442072301212");
  clock.advance(1000);
  const officer = (email: string, agencyId: string) =>
    activeOfficer({ db, publicUrl: config.publicUrl, clock, intake: staff.intake }, { email, agencyId });
  const accounts = {
    ...staff,
    officerA: await officer("agent.smith@fbi.gov", a),
    officerB: await officer("dc.jones@met.police.uk", b),
  };
  const app = await buildApp({ db, config, now: clock.now });
  await app.ready();

  return {
    database,
    db,
    app,
    config,
    clock,
    agencies: { a, b },
    accounts,
    admin2: admin2Account,
    async signIn(account) {
      clock.advance(31_000);
      const response = await app.inject({
        method: "POST",
        url: "/api/v1/session",
        payload: { email: account.email, password: PASSWORD, code: currentTotpCode(account.totpSecret, clock.now()) },
      });
      if (response.statusCode !== 200) throw new Error(`sign-in of ${account.email} failed: ${response.body}`);
      const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
      const { csrfToken } = response.json() as { csrfToken: string };
      return { account, headers: { cookie: `${SESSION_COOKIE}=${cookie?.value}`, [CSRF_HEADER]: csrfToken } };
    },
    async signInPage(account) {
      clock.advance(31_000);
      const response = await app.inject({
        method: "POST",
        url: "/signin",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          email: account.email,
          password: PASSWORD,
          code: currentTotpCode(account.totpSecret, clock.now()),
        }).toString(),
      });
      const session = response.cookies.find((c) => c.name === SESSION_COOKIE)?.value;
      const csrf = response.cookies.find((c) => c.name === CSRF_COOKIE)?.value;
      if (response.statusCode !== 303 || !session || !csrf) {
        throw new Error(`page sign-in of ${account.email} failed (${response.statusCode}): ${response.body}`);
      }
      return { cookie: `${SESSION_COOKIE}=${session}; ${CSRF_COOKIE}=${csrf}`, csrf };
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

export function principalOf(account: Account): Principal {
  return {
    userId: account.userId,
    email: account.email,
    role: account.role,
    agencyId: account.agencyId,
    via: "session",
    scopes: "all",
  };
}

/** The confirmation token from the newest confirmation mail to `email`, as the officer would click it. */
/**
 * An officer of `agencyId` as the real steps make one: registered on the agency's verified domain, the
 * address confirmed, the second factor enrolled, and activated by intake after a call-back.
 */
export async function activeOfficer(
  desk: Pick<Desk, "db" | "clock"> & { publicUrl: string; intake: Account },
  officer: { email: string; agencyId: string; displayName?: string },
): Promise<Account> {
  const { db, clock } = desk;
  const { email, agencyId } = officer;
  const { userId } = await registerOfficer(
    db,
    { email, displayName: officer.displayName ?? email, password: PASSWORD },
    desk.publicUrl,
    clock.now(),
  );
  const token = await confirmationToken(db, email);
  const { totpSecret } = await confirmEmail(db, token, clock.now());
  await enrolTotp(db, token, currentTotpCode(totpSecret, clock.now()), clock.now());
  await activateOfficer(
    db,
    principalOf(desk.intake),
    userId,
    { confirmed: true, note: "called the agency" },
    clock.now(),
  );
  return { userId, email, role: "agency", agencyId, totpSecret };
}

export async function confirmationToken(db: Db, email: string): Promise<string> {
  const [mail] = await listOutbox(db, TEST_OPERATOR, { recipient: email, purpose: "officer.confirm_email", limit: 1 });
  const token = mail?.body.match(/confirm#([\w-]+)/)?.[1];
  if (!token) throw new Error(`no confirmation mail for ${email}`);
  return token;
}

/** The setup link's token from the newest setup mail to `email`, as the new member of staff would click it. */
export async function setupToken(db: Db, email: string): Promise<string> {
  const [mail] = await listOutbox(db, TEST_OPERATOR, { recipient: email, purpose: "staff.setup", limit: 1 });
  const token = mail?.body.match(/\/setup\/([\w-]+)/)?.[1];
  if (!token) throw new Error(`no setup mail for ${email}`);
  return token;
}

/**
 * A new member of staff sets up their account as a person would: opens the link mailed to them, reads the
 * second-factor secret off the page, and posts their password and a code. Returns the account to sign in as.
 */
export async function completeStaffSetup(desk: Desk, email: string, password = PASSWORD): Promise<Account> {
  const token = await setupToken(desk.db, email);
  // An address of its own: setup links are rate limited per client address.
  const remoteAddress = `10.250.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
  const page = await desk.app.inject({ method: "GET", url: `/setup/${token}`, remoteAddress });
  if (page.statusCode !== 200) throw new Error(`setup page for ${email}: ${page.statusCode} ${page.body}`);
  const totpSecret = page.body.match(/id="totp-secret">([A-Z2-7]+)</)?.[1];
  if (!totpSecret) throw new Error(`no second-factor secret on the setup page for ${email}`);
  desk.clock.advance(31_000);
  const done = await desk.app.inject({
    method: "POST",
    url: `/setup/${token}`,
    remoteAddress,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({
      password,
      passwordAgain: password,
      code: currentTotpCode(totpSecret, desk.clock.now()),
    }).toString(),
  });
  if (done.statusCode !== 200) throw new Error(`setup of ${email} failed (${done.statusCode}): ${done.body}`);
  const user = await desk.db
    .selectFrom("app_user")
    .select(["id", "role"])
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  return { userId: user.id, email, role: user.role, agencyId: null, totpSecret };
}

/** An agency of `jurisdiction` with its domain and phone approved by two admins, and one active officer. */
export async function foreignOfficer(
  desk: Desk,
  jurisdiction: string,
  domain: string,
  email: string,
): Promise<Account> {
  const admin = principalOf(desk.accounts.admin);
  const id = await createAgency(desk.db, admin, { name: `Agency ${jurisdiction}`, jurisdiction }, desk.clock.now());
  for (const change of [
    { kind: "add_domain" as const, value: domain },
    { kind: "set_phone" as const, value: "+33144321234" },
  ]) {
    const changeId = await proposeAgencyChange(desk.db, admin, id, change, desk.clock.now());
    await decideAgencyChange(desk.db, principalOf(desk.admin2), changeId, true, desk.clock.now());
  }
  desk.clock.advance(1000);
  return activeOfficer(
    { db: desk.db, clock: desk.clock, publicUrl: desk.config.publicUrl, intake: desk.accounts.intake },
    { email, agencyId: id },
  );
}
