import { readFileSync } from "node:fs";
import { createAgency, decideAgencyChange, proposeAgencyChange } from "../agencies/agencies.service.js";
import {
  activateOfficer,
  bootstrapStaffUser,
  confirmEmail,
  enrolTotp,
  registerOfficer,
} from "../auth/accounts.service.js";
import { currentTotpCode } from "../auth/credentials.js";
import { DEMO, type Principal } from "../authz/authz.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import type { Role } from "../domain/vocabulary.js";
import { activatePolicy } from "../policy/policy.store.js";
import { advanceRequest, recordEmergencyCallback, reviewRequest, submitRequest } from "../requests/request.actions.js";
import { configuredRejectionNotices } from "../server/review-outcomes.js";
import { packagePath } from "../shared/package.js";

/**
 * The demo's world: the example policy (Hong Kong paused since 2020-07-06), four agencies with verified
 * domains and phones put on file by two admins, one account per role, officers at several stages of
 * registration, and the example requests worked to different points of their lives. Everything goes
 * through the same services the API uses, so the audit trail tells the story too.
 */

export interface DemoAccount {
  role: Role;
  email: string;
  password: string;
  totpSecret: string;
  agency?: string;
}

export interface DemoWorld {
  accounts: DemoAccount[];
  pendingOfficer: string;
  /** Approved by a reviewer and counsel: ready to be fulfilled. */
  approvedRequestId: string;
}

const STAFF: Array<Exclude<Role, "agency">> = ["intake", "reviewer", "counsel", "admin", "auditor"];
const SECOND_ADMIN = { role: "admin" as const, email: "admin2@custodian.demo", name: "admin2" };

const AGENCIES = [
  { key: "fbi", name: "Federal Bureau of Investigation", jurisdiction: "US", domain: "fbi.gov", phone: "+12023243000" },
  {
    key: "met",
    name: "Metropolitan Police Service",
    jurisdiction: "GB",
    domain: "met.police.uk",
    phone: "+442072301212",
  },
  { key: "hkpf", name: "Hong Kong Police Force", jurisdiction: "HK", domain: "police.gov.hk", phone: "+85228600000" },
  { key: "bka", name: "Bundeskriminalamt", jurisdiction: "DE", domain: "bka.bund.de", phone: "+4961155112" },
] as const;

const OFFICERS = [
  { email: "agent.smith@fbi.gov", agency: "fbi" },
  { email: "control.room@met.police.uk", agency: "met" },
  { email: "officer@police.gov.hk", agency: "hkpf" },
] as const;

export const demoPassword = (name: string) => `demo-${name}-password`;

export async function seedDemo(db: Db, config: Config, now: () => Date): Promise<DemoWorld> {
  await db
    .transaction()
    .execute(async (tx) =>
      activatePolicy(tx, readFileSync(packagePath("policies/example.yaml"), "utf8"), DEMO, now(), "example.yaml"),
    );
  const staff = {} as Record<Exclude<Role, "agency">, Principal>;
  // Created side by side: each account's password hash is the slow part, and hashes run in parallel.
  const created = await Promise.all(
    [...STAFF.map((role) => ({ role, email: `${role}@custodian.demo`, name: role })), SECOND_ADMIN].map(
      async ({ role, email, name }) => {
        const user = await bootstrapStaffUser(
          db,
          DEMO,
          {
            email,
            displayName: name === "admin2" ? "Demo second admin" : `Demo ${role}`,
            role,
            password: demoPassword(name),
          },
          now(),
        );
        return { role, email, password: demoPassword(name), totpSecret: user.totpSecret, userId: user.userId };
      },
    ),
  );
  const accounts: DemoAccount[] = created.map(({ userId: _id, ...account }) => account);
  for (const user of created.slice(0, STAFF.length)) {
    staff[user.role] = {
      userId: user.userId,
      email: user.email,
      role: user.role,
      agencyId: null,
      via: "session",
      scopes: "all",
    };
  }
  const second = created[STAFF.length] as (typeof created)[number];
  const admin2: Principal = { ...staff.admin, userId: second.userId, email: "admin2@custodian.demo" };

  const agencyIds: Record<string, string> = {};
  for (const agency of AGENCIES) {
    const id = await createAgency(db, staff.admin, { name: agency.name, jurisdiction: agency.jurisdiction }, now());
    agencyIds[agency.key] = id;
    for (const change of [
      { kind: "add_domain" as const, value: agency.domain },
      { kind: "set_phone" as const, value: agency.phone },
    ]) {
      const changeId = await proposeAgencyChange(db, staff.admin, id, change, now());
      await decideAgencyChange(db, admin2, changeId, true, now());
    }
  }
  // One change left for the second admin to approve in the demo.
  await proposeAgencyChange(
    db,
    staff.admin,
    agencyIds.fbi as string,
    { kind: "add_domain", value: "ic.fbi.gov" },
    now(),
  );

  const officers: Record<string, Principal> = {};
  const pendingEmail = "k.mueller@bka.bund.de";
  const registered = await Promise.all([
    ...OFFICERS.map(async (officer) => {
      const password = demoPassword(officer.email.split("@")[0] as string);
      const { userId } = await registerOfficer(
        db,
        { email: officer.email, displayName: officer.email, password },
        config.publicUrl,
        now(),
      );
      const secret = await walkConfirmation(db, officer.email, now);
      await activateOfficer(
        db,
        staff.intake,
        userId,
        { confirmed: true, note: "Called the number on file; the duty officer confirmed." },
        now(),
      );
      officers[officer.agency] = {
        userId,
        email: officer.email,
        role: "agency",
        agencyId: agencyIds[officer.agency] as string,
        via: "session",
        scopes: "all",
      };
      return { role: "agency" as const, email: officer.email, password, totpSecret: secret, agency: officer.agency };
    }),
    // An officer who confirmed and enrolled, waiting for the provider's call-back.
    (async () => {
      await registerOfficer(
        db,
        { email: pendingEmail, displayName: "K. Müller", password: demoPassword("mueller") },
        config.publicUrl,
        now(),
      );
      await walkConfirmation(db, pendingEmail, now);
      return undefined;
    })(),
  ]);
  for (const account of registered) if (account) accounts.push(account);

  const example = (name: string) => readFileSync(packagePath(`examples/requests/${name}`), "utf8");
  const submit = (officer: Principal, name: string, agencyId?: string) =>
    submitRequest(db, officer, { document: example(name), uploads: [], agencyId }, config, now());
  const subpoena = await submit(officers.fbi as Principal, "us-subpoena.json");
  const warrant = await submit(officers.fbi as Principal, "us-search-warrant.json");
  await submit(officers.fbi as Principal, "us-preservation.json");
  await submit(officers.hkpf as Principal, "hk-terror-court-order.json");
  const emergency = await submit(officers.met as Principal, "gb-emergency.json");
  // Came by mail from the BKA: registered by intake, the requester still to be verified.
  await submit(staff.intake, "de-content-mlat.json", agencyIds.bka);

  await advanceRequest(
    db,
    staff.intake,
    subpoena.id,
    { to: "verifying", note: "Officer account active; document matches." },
    now(),
  );
  await advanceRequest(db, staff.intake, subpoena.id, { to: "under_review", note: "Verified." }, now());
  await reviewRequest(
    db,
    staff.reviewer,
    subpoena.id,
    { verdict: "recommend_approve", checklist: CHECKS },
    configuredRejectionNotices(config),
    now(),
  );
  await reviewRequest(
    db,
    staff.counsel,
    subpoena.id,
    { verdict: "approve", checklist: CHECKS },
    configuredRejectionNotices(config),
    now(),
  );
  await advanceRequest(
    db,
    staff.intake,
    warrant.id,
    { to: "verifying", note: "Checking the warrant with the court." },
    now(),
  );
  await recordEmergencyCallback(
    db,
    staff.intake,
    emergency.id,
    { confirmed: true, note: "Control room confirmed the emergency." },
    now(),
  );
  return { accounts, pendingOfficer: pendingEmail, approvedRequestId: subpoena.id };
}

const CHECKS = { legality: "met", necessityAndProportionality: "met", dueProcess: "met", humanRightsRisk: "low" };

/** Confirm and enrol as the officer would: open the mailed link, scan the secret, type a code. */
async function walkConfirmation(db: Db, email: string, now: () => Date): Promise<string> {
  const mail = await db
    .selectFrom("mail_outbox")
    .select("body")
    .where("recipient", "=", email)
    .where("purpose", "=", "officer.confirm_email")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  const token = mail.body.match(/confirm#([\w-]+)/)?.[1] as string;
  const { totpSecret } = await confirmEmail(db, token, now());
  // Enrolled with the previous step's code, so the code the demo prints as current is still unused.
  await enrolTotp(db, token, currentTotpCode(totpSecret, new Date(now().getTime() - 30_000)), now());
  return totpSecret;
}
