import { appendAudit } from "../audit/audit.js";
import { actorOf, type Caller, type Operator, type Principal } from "../authz/authz.js";
import { auditingRefusals, auditRefusal } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import type { Role } from "../domain/vocabulary.js";
import { enqueueMail } from "../mail/outbox.js";
import { conflict, DomainError, invalidTransition, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { checkPassword, insertStaffAccount } from "./accounts.service.js";
import { bearerHash, checkTotp, hashPassword, newBearerSecret, newTotpSecret, totpUri } from "./credentials.js";
import { normaliseEmail } from "./identity.js";
import { checkSecondAdmin } from "./second-admin.js";

/**
 * Staff accounts, made by two admins and set up by their owner (issue 12, defect 1).
 *
 * One admin proposes an account; a second admin (second-admin.ts) applies the proposal, which creates the
 * account without any credential and mails a one-time setup link to the new person. With it they choose
 * their password and enrol their second factor; nobody else ever sees either. So no admin, alone, can make
 * an account they can sign in as: not a second admin to approve their own changes, not a counsel and a
 * reviewer to approve a disclosure.
 */

export type StaffRole = Exclude<Role, "agency">;

/** How long a setup link works. */
export const SETUP_HOURS = 72;

const SETUP_REFUSED = "this setup link is unknown, used, replaced or expired; ask an admin to send a new one";

export interface ProposedStaff {
  email: string;
  displayName: string;
  role: StaffRole;
}

export interface StaffChangeView {
  id: string;
  kind: "create" | "reactivate";
  email: string;
  displayName: string;
  role: StaffRole;
  userId: string | null;
  status: "pending" | "applied" | "rejected";
  proposedBy: string;
  proposedAt: string;
}

/** One admin proposes a staff account; nothing exists until a second admin applies it. */
export async function proposeStaffAccount(
  db: Db,
  admin: Principal,
  input: ProposedStaff,
  now: Date,
): Promise<{ id: string }> {
  const email = normaliseEmail(input.email);
  return db.transaction().execute(async (tx) => {
    const taken = await tx.selectFrom("app_user").select("id").where("email", "=", email).executeTakeFirst();
    if (taken) throw conflict(`an account for ${email} exists`);
    const pending = await tx
      .selectFrom("staff_change")
      .select("id")
      .where("email", "=", email)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (pending) throw conflict(`an account for ${email} is already proposed (${pending.id})`);
    const { id } = await tx
      .insertInto("staff_change")
      .values({
        kind: "create",
        email,
        display_name: input.displayName,
        role: input.role,
        proposed_by: admin.userId,
        proposed_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: admin.email,
        action: "user.change_proposed",
        objectType: "staff_change",
        objectId: id,
        payload: { kind: "create", email, role: input.role },
      },
      now,
    );
    return { id };
  });
}

/**
 * One admin proposes bringing a suspended member of staff back. Applied by a second admin, it does not give
 * the account back its old credentials (suspension is how a stolen one is stopped): the account is pending
 * again, with no password and no second factor, and its owner is mailed a new setup link.
 */
export async function proposeReactivation(
  db: Db,
  admin: Principal,
  userId: string,
  now: Date,
): Promise<{ id: string }> {
  const attempt = { actor: admin.email, objectType: "user", objectId: userId, attempted: "reactivate" } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      const user = await tx
        .selectFrom("app_user")
        .select(["id", "email", "display_name", "role", "status"])
        .where("id", "=", userId)
        .forUpdate()
        .executeTakeFirst();
      if (!user || user.role === "agency") throw notFound(`staff account ${userId}`);
      if (user.status !== "suspended") throw invalidTransition(`${user.email} is ${user.status}, not suspended`);
      const pending = await tx
        .selectFrom("staff_change")
        .select("id")
        .where("email", "=", user.email)
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (pending) throw conflict(`bringing back ${user.email} is already proposed (${pending.id})`);
      const { id } = await tx
        .insertInto("staff_change")
        .values({
          kind: "reactivate",
          email: user.email,
          display_name: user.display_name,
          role: user.role as StaffRole,
          user_id: user.id,
          proposed_by: admin.userId,
          proposed_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor: admin.email,
          action: "user.change_proposed",
          objectType: "staff_change",
          objectId: id,
          payload: { kind: "reactivate", email: user.email, role: user.role, userId: user.id },
        },
        now,
      );
      return { id };
    }),
  );
}

/**
 * A second admin applies or rejects a proposal. Applying a new account creates it pending, with no password
 * and no second factor, and mails its owner the setup link, in one transaction with its audit events.
 */
export async function decideStaffChange(
  db: Db,
  admin: Principal,
  changeId: string,
  approve: boolean,
  publicUrl: string,
  now: Date,
): Promise<{ status: "applied" | "rejected"; userId: string | null }> {
  const attempt = {
    actor: admin.email,
    objectType: "staff_change",
    objectId: changeId,
    attempted: approve ? "approve" : "reject",
  } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      const change = await tx
        .selectFrom("staff_change")
        .selectAll()
        .where("id", "=", changeId)
        .forUpdate()
        .executeTakeFirst();
      if (!change) throw notFound(`staff change ${changeId}`);
      if (change.status !== "pending") throw invalidTransition(`staff change ${changeId} is already ${change.status}`);
      await checkSecondAdmin(
        tx,
        admin,
        { proposedBy: change.proposed_by, proposedAt: change.proposed_at },
        change.kind === "create" ? `a new ${change.role} account` : `bringing back ${change.email}`,
      );
      let userId = change.user_id;
      if (approve && change.kind === "create") {
        userId = await insertStaffAccount(
          tx,
          {
            email: change.email,
            displayName: change.display_name,
            role: change.role,
            status: "pending",
            createdBy: change.proposed_by,
            audit: { staffChangeId: change.id },
          },
          admin.email,
          now,
        );
        await sendSetupLink(tx, { id: userId, email: change.email, role: change.role }, publicUrl, admin.email, now);
      }
      if (approve && change.kind === "reactivate" && userId) {
        const reinstated = await tx
          .updateTable("app_user")
          .set({
            status: "pending",
            password_hash: null,
            totp_secret: null,
            totp_enrolled_at: null,
            totp_last_step: null,
            activated_at: null,
            activated_by: null,
            updated_at: now,
          })
          .where("id", "=", userId)
          .where("status", "=", "suspended")
          .executeTakeFirst();
        if (reinstated.numUpdatedRows === 0n) throw invalidTransition(`${change.email} is no longer suspended`);
        await appendAudit(
          tx,
          {
            actor: admin.email,
            action: "user.reinstated",
            objectType: "user",
            objectId: userId,
            payload: { staffChangeId: change.id, proposedBy: change.proposed_by },
          },
          now,
        );
        await sendSetupLink(tx, { id: userId, email: change.email, role: change.role }, publicUrl, admin.email, now);
      }
      await tx
        .updateTable("staff_change")
        .set({ status: approve ? "applied" : "rejected", decided_by: admin.userId, decided_at: now, user_id: userId })
        .where("id", "=", change.id)
        .execute();
      await appendAudit(
        tx,
        {
          actor: admin.email,
          action: approve ? "user.change_applied" : "user.change_rejected",
          objectType: "staff_change",
          objectId: change.id,
          payload: {
            kind: change.kind,
            email: change.email,
            role: change.role,
            proposedBy: change.proposed_by,
            userId,
          },
        },
        now,
      );
      return { status: approve ? ("applied" as const) : ("rejected" as const), userId };
    }),
  );
}

export async function listStaffChanges(db: Db, filter: { status?: "pending" } = {}): Promise<StaffChangeView[]> {
  let query = db
    .selectFrom("staff_change as c")
    .innerJoin("app_user as u", "u.id", "c.proposed_by")
    .select([
      "c.id",
      "c.kind",
      "c.email",
      "c.display_name",
      "c.role",
      "c.user_id",
      "c.status",
      "c.proposed_at",
      "u.email as proposer",
    ]);
  if (filter.status) query = query.where("c.status", "=", filter.status);
  const rows = await query.orderBy("c.proposed_at").execute();
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    userId: row.user_id,
    status: row.status,
    proposedBy: row.proposer,
    proposedAt: row.proposed_at.toISOString(),
  }));
}

/**
 * A new setup link to the account's own address; any earlier one stops working. The link is the only way
 * to the account's credentials, so it goes nowhere else: not into an answer, not onto a page.
 */
async function sendSetupLink(
  tx: Tx,
  user: { id: string; email: string; role: StaffRole },
  publicUrl: string,
  sentBy: string,
  now: Date,
): Promise<string> {
  const revoked = await tx
    .updateTable("staff_setup")
    .set({ revoked_at: now })
    .where("user_id", "=", user.id)
    .where("used_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  const link = newBearerSecret();
  const url = `${publicUrl}/setup/${link.secret}`;
  const expiresAt = new Date(now.getTime() + SETUP_HOURS * 3_600_000);
  await tx
    .insertInto("staff_setup")
    .values({ token_hash: link.hash, user_id: user.id, sent_by: sentBy, created_at: now, expires_at: expiresAt })
    .execute();
  await enqueueMail(tx, {
    to: user.email,
    subject: "Set up your Custodian account",
    body: [
      `An account with the ${user.role} role was made for ${user.email} on Custodian.`,
      "",
      `To choose your password and set up your second factor, open ${url}`,
      `within ${SETUP_HOURS} hours. The link works once. Nobody else is sent it, and nobody will ask you for it.`,
      "If you did not expect this, tell your security team and do not open the link.",
    ].join("\n"),
    purpose: "staff.setup",
  });
  await appendAudit(
    tx,
    {
      actor: sentBy,
      action: "user.setup_link_sent",
      objectType: "user",
      objectId: user.id,
      payload: { expiresAt: expiresAt.toISOString(), revokedEarlier: Number(revoked.numUpdatedRows) },
    },
    now,
  );
  return url;
}

/**
 * An operator at the shell makes a staff account (the first admins of a new installation): trusted by the
 * host, so no second admin, but the account is made like any other, pending and without credentials, and
 * set up by its owner through the link. The link is mailed and also returned, for the operator to hand to
 * that person when no mail is sent yet; an account the operator made was proposed by no admin.
 */
export async function operatorAddsStaff(
  db: Db,
  operator: Operator,
  input: ProposedStaff,
  publicUrl: string,
  now: Date,
): Promise<{ userId: string; setupUrl: string }> {
  const email = normaliseEmail(input.email);
  return db.transaction().execute(async (tx) => {
    const id = await insertStaffAccount(
      tx,
      { email, displayName: input.displayName, role: input.role, status: "pending" },
      actorOf(operator),
      now,
    );
    const setupUrl = await sendSetupLink(tx, { id, email, role: input.role }, publicUrl, actorOf(operator), now);
    return { userId: id, setupUrl };
  });
}

/** A new setup link for a member of staff who has not set up their account yet (the old one lost or expired). */
export async function resendSetupLink(
  db: Db,
  admin: Caller,
  userId: string,
  publicUrl: string,
  now: Date,
): Promise<{ expiresAt: string }> {
  const attempt = { actor: actorOf(admin), objectType: "user", objectId: userId, attempted: "setup_link" } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      const user = await tx
        .selectFrom("app_user")
        .select(["id", "email", "role", "status", "password_hash"])
        .where("id", "=", userId)
        .forUpdate()
        .executeTakeFirst();
      if (!user || user.role === "agency") throw notFound(`staff account ${userId}`);
      if (user.status !== "pending" || user.password_hash !== null) {
        throw invalidTransition(`${user.email} is ${user.status}; a setup link is only for an account not yet set up`);
      }
      await sendSetupLink(tx, { id: user.id, email: user.email, role: user.role }, publicUrl, actorOf(admin), now);
      return { expiresAt: new Date(now.getTime() + SETUP_HOURS * 3_600_000).toISOString() };
    }),
  );
}

/**
 * The account a setup link opens, or a refusal (audited on the account when the link is known, else on
 * `setup-link`): unknown, used, replaced or expired links, and accounts no longer pending, open nothing.
 */
async function setupFor(db: Db, token: string, now: Date) {
  const row = await db
    .selectFrom("staff_setup as s")
    .innerJoin("app_user as u", "u.id", "s.user_id")
    .select([
      "s.token_hash",
      "s.expires_at",
      "s.used_at",
      "s.revoked_at",
      "u.id",
      "u.email",
      "u.display_name",
      "u.role",
      "u.status",
      "u.totp_secret",
    ])
    .where("s.token_hash", "=", bearerHash(token))
    .executeTakeFirst();
  const problem = !row
    ? "unknown setup link"
    : row.used_at
      ? "setup link already used"
      : row.revoked_at
        ? "setup link replaced by a newer one"
        : row.expires_at <= now
          ? "setup link expired"
          : row.status !== "pending"
            ? `account is ${row.status}`
            : undefined;
  if (!row || problem) {
    await auditRefusal(
      db,
      {
        actor: row?.email ?? "anonymous",
        objectType: "user",
        objectId: row?.id ?? "setup-link",
        reason: problem ?? "unknown setup link",
        details: { attempted: "setup" },
      },
      now,
    );
    throw new DomainError("not_found", SETUP_REFUSED);
  }
  return row;
}

export interface OpenedSetup {
  userId: string;
  email: string;
  displayName: string;
  role: StaffRole;
  totpSecret: string;
  totpUri: string;
}

/**
 * The link was opened: the account's second-factor secret is made (once; opening the link again shows the
 * same one until the setup is complete) and shown to whoever holds the link, its owner.
 */
export async function openSetup(db: Db, token: string, now: Date): Promise<OpenedSetup> {
  const row = await setupFor(db, token, now);
  const role = row.role as StaffRole;
  let secret = row.totp_secret;
  if (!secret) {
    const made = newTotpSecret();
    secret = await db.transaction().execute(async (tx) => {
      // Two tabs opening the link at once keep one secret: the first to write it.
      const written = await tx
        .updateTable("app_user")
        .set({ totp_secret: made, updated_at: now })
        .where("id", "=", row.id)
        .where("totp_secret", "is", null)
        .executeTakeFirst();
      if (written.numUpdatedRows === 0n) {
        const kept = await tx.selectFrom("app_user").select("totp_secret").where("id", "=", row.id).executeTakeFirst();
        return kept?.totp_secret ?? made;
      }
      await appendAudit(
        tx,
        { actor: row.email, action: "user.setup_opened", objectType: "user", objectId: row.id, payload: {} },
        now,
      );
      return made;
    });
  }
  return {
    userId: row.id,
    email: row.email,
    displayName: row.display_name,
    role,
    totpSecret: secret,
    totpUri: totpUri(secret, row.email),
  };
}

/**
 * The owner chose a password and proved, with a code, that their authenticator holds the secret: the link
 * is spent and the account active, in one transaction with its audit event.
 */
export async function completeSetup(
  db: Db,
  token: string,
  input: { password: string; code: string },
  now: Date,
): Promise<{ userId: string; email: string }> {
  const row = await setupFor(db, token, now);
  checkPassword(input.password);
  if (!row.totp_secret) throw invalidTransition("open the setup link first: it shows your second-factor secret");
  const step = checkTotp(row.totp_secret, input.code, null, now);
  if (step === undefined) {
    await auditRefusal(
      db,
      {
        actor: row.email,
        objectType: "user",
        objectId: row.id,
        reason: "wrong second-factor code at setup",
        details: { attempted: "setup" },
      },
      now,
    );
    throw new ValidationError([{ path: "code", message: "is not the current code from your authenticator app" }]);
  }
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (tx) => {
    // Spent under the row's lock: the same link posted twice at once sets the account up once.
    const spent = await tx
      .updateTable("staff_setup")
      .set({ used_at: now })
      .where("token_hash", "=", row.token_hash)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    const activated = await tx
      .updateTable("app_user")
      .set({
        password_hash: passwordHash,
        totp_enrolled_at: now,
        totp_last_step: step,
        email_confirmed_at: now,
        status: "active",
        activated_at: now,
        updated_at: now,
      })
      .where("id", "=", row.id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (spent.numUpdatedRows === 0n || activated.numUpdatedRows === 0n) {
      throw new DomainError("not_found", SETUP_REFUSED);
    }
    await appendAudit(
      tx,
      { actor: row.email, action: "user.setup_completed", objectType: "user", objectId: row.id, payload: {} },
      now,
    );
    return { userId: row.id, email: row.email };
  });
}
