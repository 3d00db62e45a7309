import { randomBytes } from "node:crypto";
import { type CallbackNumber, callbackNumberOf, numberToDial } from "../agencies/callback-number.js";
import { appendAudit } from "../audit/audit.js";
import { actorOf, authorizeCaller, type Caller, type Operator, type Principal } from "../authz/authz.js";
import { auditingRefusals, auditRefusal } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import type { Role } from "../domain/vocabulary.js";
import { enqueueMail } from "../mail/outbox.js";
import { holdRequestsOfSuspended } from "../requests/holds.service.js";
import { conflict, DomainError, invalidTransition, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import {
  bearerHash,
  checkTotp,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  newBearerSecret,
  newTotpSecret,
  totpUri,
} from "./credentials.js";
import { domainProblem, emailDomain, lookalikeOf } from "./domains.js";
import { normaliseEmail } from "./identity.js";
import { revokeEverything } from "./sessions.service.js";

/**
 * Accounts. Staff accounts are proposed by one admin and made by a second, and set up by their owner through
 * a link mailed to them (staff.service.ts); an operator at the shell (or the demo) makes them directly here,
 * with a second factor from the start. An agency officer earns
 * an account in four steps, each of which a hijacked mailbox alone cannot pass:
 * 1. registers with an e-mail on a domain an admin verified for the agency (lookalikes refused, by name);
 * 2. confirms by a link sent to that address;
 * 3. enrols a TOTP second factor of the account's own;
 * 4. is activated by provider staff after a call-back to the agency's phone on file, recorded before the
 *    registration and never taken from the applicant.
 */

const CONFIRM_HOURS = 48;

export function checkPassword(password: string, path = "password"): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError([{ path, message: `must be at least ${MIN_PASSWORD_LENGTH} characters` }]);
  }
}

export interface NewStaffUser {
  email: string;
  displayName: string;
  role: Exclude<Role, "agency">;
  password?: string | undefined;
}

export interface CreatedStaffUser {
  userId: string;
  /** Shown once to the operator who made the account; only its hash is kept. */
  password: string;
  totpSecret: string;
  totpUri: string;
}

/**
 * An account made by an operator at the shell or by the demo, trusted by where it runs: it is active at
 * once, and its password and second-factor secret go to that operator. No route reaches this; people (an
 * admin included) propose accounts through staff.service.ts, whose secrets only their owner sees.
 */
export async function bootstrapStaffUser(
  db: Db,
  operator: Operator,
  input: NewStaffUser,
  now: Date,
): Promise<CreatedStaffUser> {
  const password = input.password ?? randomBytes(12).toString("base64url");
  checkPassword(password);
  const email = normaliseEmail(input.email);
  const totpSecret = newTotpSecret();
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (tx) => {
    const id = await insertStaffAccount(
      tx,
      {
        email,
        displayName: input.displayName,
        role: input.role,
        status: "active",
        credentials: { passwordHash, totpSecret },
      },
      actorOf(operator),
      now,
    );
    return { userId: id, password, totpSecret, totpUri: totpUri(totpSecret, email) };
  });
}

export interface StaffAccountValues {
  email: string;
  displayName: string;
  role: Exclude<Role, "agency">;
  /** `active` with credentials (set up at the shell); otherwise `pending`, set up by its owner's link. */
  status: "active" | "pending";
  credentials?: { passwordHash: string; totpSecret: string };
  /** The admin who proposed it, when one did. */
  createdBy?: string | null;
  /** What the `user.created` entry adds, e.g. the proposal it applies. */
  audit?: Record<string, unknown>;
}

/**
 * The one way a staff row is made, whoever makes it (the operator at the shell, or a second admin applying
 * a proposal): the address must be free, and the account's creation is written on the trail in the same
 * transaction.
 */
export async function insertStaffAccount(
  tx: Tx,
  values: StaffAccountValues,
  actor: string,
  now: Date,
): Promise<string> {
  const taken = await tx.selectFrom("app_user").select("id").where("email", "=", values.email).executeTakeFirst();
  if (taken) throw conflict(`an account for ${values.email} exists`);
  const credentials = values.credentials
    ? {
        password_hash: values.credentials.passwordHash,
        totp_secret: values.credentials.totpSecret,
        totp_enrolled_at: now,
        email_confirmed_at: now,
        activated_at: now,
      }
    : {};
  const { id } = await tx
    .insertInto("app_user")
    .values({
      email: values.email,
      display_name: values.displayName,
      role: values.role,
      status: values.status,
      ...(values.createdBy ? { created_by: values.createdBy } : {}),
      ...credentials,
      updated_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await appendAudit(
    tx,
    {
      actor,
      action: "user.created",
      objectType: "user",
      objectId: id,
      payload: { email: values.email, role: values.role, ...values.audit },
    },
    now,
  );
  return id;
}

export interface Registration {
  email: string;
  displayName: string;
  password: string;
}

/**
 * Step 1. The agency is the one whose verified domain the address is on; nothing the applicant says about
 * their agency is taken. Refusals are audited, lookalikes by the domain they imitate.
 */
export async function registerOfficer(
  db: Db,
  input: Registration,
  publicUrl: string,
  now: Date,
): Promise<{ userId: string }> {
  const email = normaliseEmail(input.email);
  checkPassword(input.password);
  const domain = emailDomain(email);
  const verified = await db.selectFrom("agency_domain").select(["domain", "agency_id"]).execute();
  const imitated = lookalikeOf(
    domain,
    verified.map((row) => row.domain),
  );
  const refuse = async (reason: string, message: string): Promise<never> => {
    await auditRefusal(
      db,
      {
        actor: email.slice(0, 200),
        objectType: "user",
        objectId: "registration",
        reason,
        details: { domain, ...(imitated ? { imitates: imitated } : {}) },
      },
      now,
    );
    throw new ValidationError([{ path: "email", message }]);
  };
  const problem = domainProblem(domain);
  if (problem === "non_ascii" || problem === "punycode") {
    return refuse(
      `mixed-script or IDN domain ${domain}${imitated ? `, a lookalike of verified domain ${imitated}` : ""}`,
      "the domain has characters outside plain ASCII; agency domains are only ever plain ASCII",
    );
  }
  if (problem) return refuse(`malformed domain ${domain}`, "is not a valid e-mail address");
  const match = verified.find((row) => row.domain === domain);
  if (!match) {
    if (imitated) {
      return refuse(`lookalike of verified domain ${imitated}`, `${domain} is not ${imitated}; it is refused`);
    }
    return refuse(`domain ${domain} is not verified for any agency`, `${domain} is not a verified agency domain`);
  }
  const passwordHash = await hashPassword(input.password);
  const confirmation = newBearerSecret();
  return db.transaction().execute(async (tx) => {
    const agency = await tx
      .selectFrom("agency")
      .select(["id", "name", "status"])
      .where("id", "=", match.agency_id)
      .executeTakeFirstOrThrow();
    if (agency.status !== "active") throw conflict(`${agency.name} is ${agency.status}; it cannot register officers`);
    const taken = await tx.selectFrom("app_user").select("id").where("email", "=", email).executeTakeFirst();
    if (taken) throw conflict(`an account for ${email} exists`);
    const { id } = await tx
      .insertInto("app_user")
      .values({
        email,
        display_name: input.displayName,
        role: "agency",
        agency_id: agency.id,
        status: "pending",
        password_hash: passwordHash,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await tx
      .insertInto("email_confirmation")
      .values({
        token_hash: confirmation.hash,
        user_id: id,
        expires_at: new Date(now.getTime() + CONFIRM_HOURS * 3_600_000),
      })
      .execute();
    await enqueueMail(tx, {
      to: email,
      subject: "Confirm your Custodian registration",
      body: [
        `Someone (we hope you) registered ${email} as an officer of ${agency.name} on Custodian.`,
        "",
        `To confirm, open ${publicUrl}/portal/confirm#${confirmation.secret} within ${CONFIRM_HOURS} hours.`,
        "You will then set up a second factor; the provider will call your agency on the number it has on",
        "file before your account is activated. If this was not you, ignore this message.",
      ].join("\n"),
      purpose: "officer.confirm_email",
    });
    await appendAudit(
      tx,
      {
        actor: email,
        action: "user.registered",
        objectType: "user",
        objectId: id,
        payload: { agencyId: agency.id, domain },
      },
      now,
    );
    return { userId: id };
  });
}

async function pendingConfirmation(db: Db, token: string, now: Date) {
  const row = await db
    .selectFrom("email_confirmation as c")
    .innerJoin("app_user as u", "u.id", "c.user_id")
    .select(["c.token_hash", "c.expires_at", "c.used_at", "u.id", "u.email", "u.status", "u.totp_secret"])
    .where("c.token_hash", "=", bearerHash(token))
    .executeTakeFirst();
  if (!row || row.used_at || row.expires_at <= now || row.status !== "pending") {
    throw new DomainError("not_found", "this confirmation link is unknown, used or expired");
  }
  return row;
}

/** Step 2: the link was opened. Returns the new second-factor secret for step 3. */
export async function confirmEmail(
  db: Db,
  token: string,
  now: Date,
): Promise<{ userId: string; totpSecret: string; totpUri: string }> {
  const row = await pendingConfirmation(db, token, now);
  return db.transaction().execute(async (tx) => {
    // Opening the link again (a reload) shows the same secret until it is enrolled.
    const secret = row.totp_secret ?? newTotpSecret();
    await tx
      .updateTable("app_user")
      .set({ email_confirmed_at: now, totp_secret: secret, updated_at: now })
      .where("id", "=", row.id)
      .execute();
    await appendAudit(
      tx,
      { actor: row.email, action: "user.email_confirmed", objectType: "user", objectId: row.id, payload: {} },
      now,
    );
    return { userId: row.id, totpSecret: secret, totpUri: totpUri(secret, row.email) };
  });
}

/** Step 3: a code from the authenticator proves the secret was stored. The link is spent. */
export async function enrolTotp(db: Db, token: string, code: string, now: Date): Promise<void> {
  const row = await pendingConfirmation(db, token, now);
  if (!row.totp_secret) throw invalidTransition("confirm the e-mail address first");
  const step = checkTotp(row.totp_secret, code, null, now);
  if (step === undefined) throw new ValidationError([{ path: "code", message: "is not the current code" }]);
  await db.transaction().execute(async (tx) => {
    await tx.updateTable("email_confirmation").set({ used_at: now }).where("token_hash", "=", row.token_hash).execute();
    await tx
      .updateTable("app_user")
      .set({ totp_enrolled_at: now, totp_last_step: step, updated_at: now })
      .where("id", "=", row.id)
      .execute();
    await appendAudit(
      tx,
      { actor: row.email, action: "user.totp_enrolled", objectType: "user", objectId: row.id, payload: {} },
      now,
    );
  });
}

/**
 * Step 4: staff called the agency on its number on file when the officer registered and recorded the
 * answer. The number dialled is that one (or, if the agency's phone changed since, the one counsel chose
 * after looking at the change: callback-number.ts), never one supplied by the applicant or typed in by the
 * caller.
 */
export async function activateOfficer(
  db: Db,
  staff: Principal,
  userId: string,
  input: { confirmed: boolean; note: string },
  now: Date,
): Promise<{ status: "active" | "pending"; calledNumber: string }> {
  const attempt = { actor: staff.email, objectType: "user", objectId: userId, attempted: "callback" } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      const user = await tx
        .selectFrom("app_user")
        .select(["id", "email", "status", "role", "email_confirmed_at", "totp_enrolled_at"])
        .where("id", "=", userId)
        .forUpdate()
        .executeTakeFirst();
      if (user?.role !== "agency") throw notFound(`officer ${userId}`);
      if (user.status !== "pending") throw invalidTransition(`officer ${user.email} is ${user.status}, not pending`);
      if (!user.email_confirmed_at) throw invalidTransition(`${user.email} has not confirmed the e-mail address`);
      if (!user.totp_enrolled_at) throw invalidTransition(`${user.email} has not enrolled a second factor`);
      const dialled = await numberToDial(tx, { type: "user", id: user.id });
      const { id: callbackId } = await tx
        .insertInto("callback")
        .values({
          subject_type: "user",
          subject_id: user.id,
          agency_id: dialled.agencyId,
          called_number: dialled.number,
          outcome: input.confirmed ? "confirmed" : "not_confirmed",
          note: input.note,
          made_by: staff.userId,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor: staff.email,
          action: "callback.recorded",
          objectType: "user",
          objectId: user.id,
          payload: { callbackId, calledNumber: dialled.number, confirmed: input.confirmed },
        },
        now,
      );
      if (!input.confirmed) return { status: "pending" as const, calledNumber: dialled.number };
      await tx
        .updateTable("app_user")
        .set({ status: "active", activated_at: now, activated_by: staff.userId, updated_at: now })
        .where("id", "=", user.id)
        .execute();
      await appendAudit(
        tx,
        {
          actor: staff.email,
          action: "user.activated",
          objectType: "user",
          objectId: user.id,
          payload: { callbackId },
        },
        now,
      );
      return { status: "active" as const, calledNumber: dialled.number };
    }),
  );
}

/**
 * Suspend an account; every session and token it has is revoked, and every open request it submitted held
 * for staff review (holds.service.ts), in the same transaction.
 */
export async function suspendUser(db: Db, admin: Principal, userId: string, reason: string, now: Date): Promise<void> {
  if (userId === admin.userId) throw invalidTransition("an admin cannot suspend their own account");
  await db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable("app_user")
      .set({ status: "suspended", updated_at: now })
      .where("id", "=", userId)
      .where("status", "!=", "suspended")
      .returning("email")
      .executeTakeFirst();
    if (!updated) throw notFound(`active or pending user ${userId}`);
    await revokeEverything(tx, userId, `suspended: ${reason}`, now);
    await appendAudit(
      tx,
      { actor: admin.email, action: "user.suspended", objectType: "user", objectId: userId, payload: { reason } },
      now,
    );
    // Its open requests wait for staff review; reactivating the account later releases none of them.
    await holdRequestsOfSuspended(tx, { id: userId, email: updated.email }, { actor: admin.email, reason, now });
  });
}

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  agencyId: string | null;
  status: string;
  emailConfirmed: boolean;
  secondFactorEnrolled: boolean;
  flagged: string | null;
  createdAt: string;
  /**
   * A pending officer's call-back: the agency's phone on file when they registered, whether it changed
   * since, and the number a call-back dials now (null until counsel has looked at a changed one).
   */
  callback: Omit<CallbackNumber, "agencyId"> | null;
}

export async function listUsers(
  db: Db,
  by: Caller,
  filter: { status?: string | undefined; agencyId?: string | undefined } = {},
): Promise<UserView[]> {
  authorizeCaller(by, "user.read");
  let query = db.selectFrom("app_user").selectAll();
  if (filter.status) query = query.where("status", "=", filter.status as "pending");
  if (filter.agencyId) query = query.where("agency_id", "=", filter.agencyId);
  const rows = await query.orderBy("created_at").execute();
  const callbacks = new Map<string, Omit<CallbackNumber, "agencyId">>();
  for (const row of rows) {
    if (row.role !== "agency" || row.status !== "pending") continue;
    const { agencyId: _, ...state } = await callbackNumberOf(db, { type: "user", id: row.id });
    callbacks.set(row.id, state);
  }
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    agencyId: row.agency_id,
    status: row.status,
    emailConfirmed: row.email_confirmed_at !== null,
    secondFactorEnrolled: row.totp_enrolled_at !== null,
    flagged: row.flag_reason,
    createdAt: row.created_at.toISOString(),
    callback: callbacks.get(row.id) ?? null,
  }));
}
