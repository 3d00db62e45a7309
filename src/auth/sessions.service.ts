import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import type { Principal } from "../authz/authz.js";
import { auditRefusal } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import type { TokenScope } from "../db/schema.js";
import { notFound, unauthenticated } from "../shared/errors.js";
import { DAY_MS } from "../shared/time.js";
import { bearerHash, checkTotp, newBearerSecret, verifyPassword } from "./credentials.js";
import { normaliseEmail } from "./identity.js";

/**
 * Sign-in and the two ways in afterwards: a browser session (cookie + CSRF token) and an agency system's
 * API token. Every account that can sign in has a second factor, and sign-in needs it: a stolen password
 * alone opens nothing.
 */

export const SESSION_HOURS = 12;

export interface SignIn {
  email: string;
  password: string;
  code: string;
  userAgent?: string | undefined;
}

export interface OpenedSession {
  sessionSecret: string;
  csrfToken: string;
  expiresAt: Date;
  principal: Principal;
}

const REFUSED = "e-mail, password or second-factor code is wrong, or the account is not active";

export async function signIn(db: Db, input: SignIn, now: Date): Promise<OpenedSession> {
  const email = normaliseEmail(input.email);
  const user = await db
    .selectFrom("app_user")
    .select(["id", "email", "role", "agency_id", "status", "password_hash", "totp_secret", "totp_last_step"])
    .where("email", "=", email)
    .executeTakeFirst();
  // The password is checked even for an unknown account (against a dummy hash), so timing tells nothing.
  const passwordOk = await verifyPassword(user?.password_hash, input.password);
  const refuse = async (reason: string): Promise<never> => {
    await auditRefusal(
      db,
      {
        actor: email.slice(0, 200) || "anonymous",
        action: "session.refused",
        objectType: "user",
        objectId: user?.id ?? "unknown",
        reason,
      },
      now,
    );
    throw unauthenticated(REFUSED);
  };
  if (!user || !passwordOk) return refuse("wrong e-mail or password");
  if (user.status !== "active") return refuse(`account is ${user.status}`);
  if (!user.totp_secret) return refuse("no second factor enrolled");
  const step = checkTotp(user.totp_secret, input.code, user.totp_last_step, now);
  if (step === undefined) return refuse("wrong or reused second-factor code");

  return db.transaction().execute(async (tx) => {
    // The step is claimed atomically: two sign-ins racing with one code cannot both succeed.
    const claimed = await tx
      .updateTable("app_user")
      .set({ totp_last_step: step })
      .where("id", "=", user.id)
      .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) throw unauthenticated(REFUSED);
    const session = newBearerSecret();
    const csrf = newBearerSecret();
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
    await tx
      .insertInto("user_session")
      .values({
        id_hash: session.hash,
        user_id: user.id,
        csrf_hash: csrf.hash,
        expires_at: expiresAt,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: user.email,
        action: "session.created",
        objectType: "user",
        objectId: user.id,
        payload: { expiresAt: expiresAt.toISOString() },
      },
      now,
    );
    return {
      sessionSecret: session.secret,
      csrfToken: csrf.secret,
      expiresAt,
      principal: {
        userId: user.id,
        email: user.email,
        role: user.role,
        agencyId: user.agency_id,
        via: "session",
        scopes: "all",
      },
    };
  });
}

export interface SessionPrincipal extends Principal {
  csrfHash: string;
  sessionHash: string;
}

/** The principal behind a session cookie, if the session is live and its account still active. */
export async function sessionPrincipal(
  db: Db,
  sessionSecret: string,
  now: Date,
): Promise<SessionPrincipal | undefined> {
  const row = await db
    .selectFrom("user_session as s")
    .innerJoin("app_user as u", "u.id", "s.user_id")
    .select(["s.id_hash", "s.csrf_hash", "u.id", "u.email", "u.role", "u.agency_id"])
    .where("s.id_hash", "=", bearerHash(sessionSecret))
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", now)
    .where("u.status", "=", "active")
    .executeTakeFirst();
  if (!row) {
    await auditDeadCredential(db, "session", bearerHash(sessionSecret), now);
    return undefined;
  }
  return {
    userId: row.id,
    email: row.email,
    role: row.role,
    agencyId: row.agency_id,
    via: "session",
    scopes: "all",
    csrfHash: row.csrf_hash,
    sessionHash: row.id_hash,
  };
}

export async function signOut(db: Db, principal: SessionPrincipal, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable("user_session")
      .set({ revoked_at: now, revoked_reason: "signed out" })
      .where("id_hash", "=", principal.sessionHash)
      .execute();
    await appendAudit(
      tx,
      {
        actor: principal.email,
        action: "session.revoked",
        objectType: "user",
        objectId: principal.userId,
        payload: {},
      },
      now,
    );
  });
}

/** Close every session and token of an account at once (suspension, compromise). */
export async function revokeEverything(tx: Tx, userId: string, reason: string, now: Date): Promise<void> {
  await tx
    .updateTable("user_session")
    .set({ revoked_at: now, revoked_reason: reason })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .execute();
  await tx
    .updateTable("api_token")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .execute();
}

export const TOKEN_PREFIX = "cust_";
export const MAX_TOKEN_DAYS = 365;

export interface TokenView {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export async function createApiToken(
  db: Db,
  owner: Principal,
  input: { name: string; scopes: TokenScope[]; expiresInDays: number },
  now: Date,
): Promise<{ token: string; view: TokenView }> {
  const { secret, hash } = newBearerSecret(TOKEN_PREFIX);
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto("api_token")
      .values({
        user_id: owner.userId,
        name: input.name,
        token_hash: hash,
        scopes: input.scopes,
        expires_at: new Date(now.getTime() + input.expiresInDays * DAY_MS),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: owner.email,
        action: "token.created",
        objectType: "token",
        objectId: row.id,
        payload: { name: input.name, scopes: input.scopes, expiresAt: row.expires_at.toISOString() },
      },
      now,
    );
    return { token: secret, view: tokenView(row) };
  });
}

function tokenView(row: {
  id: string;
  name: string;
  scopes: TokenScope[];
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}): TokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

export async function listApiTokens(db: Db, owner: Principal): Promise<TokenView[]> {
  const rows = await db
    .selectFrom("api_token")
    .selectAll()
    .where("user_id", "=", owner.userId)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map(tokenView);
}

export async function revokeApiToken(db: Db, owner: Principal, tokenId: string, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const revoked = await tx
      .updateTable("api_token")
      .set({ revoked_at: now })
      .where("id", "=", tokenId)
      .where("user_id", "=", owner.userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (revoked.numUpdatedRows === 0n) throw notFound(`token ${tokenId}`);
    await appendAudit(
      tx,
      { actor: owner.email, action: "token.revoked", objectType: "token", objectId: tokenId, payload: {} },
      now,
    );
  });
}

/** The principal behind an API token: live, unexpired, its account active. */
export async function tokenPrincipal(db: Db, token: string, now: Date): Promise<Principal | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const row = await db
    .selectFrom("api_token as t")
    .innerJoin("app_user as u", "u.id", "t.user_id")
    .select(["t.scopes", "u.id", "u.email", "u.role", "u.agency_id"])
    .where("t.token_hash", "=", bearerHash(token))
    .where("t.revoked_at", "is", null)
    .where("t.expires_at", ">", now)
    .where("u.status", "=", "active")
    .executeTakeFirst();
  if (!row) {
    await auditDeadCredential(db, "token", bearerHash(token), now);
    return undefined;
  }
  return {
    userId: row.id,
    email: row.email,
    role: row.role,
    agencyId: row.agency_id,
    via: "token",
    scopes: row.scopes,
  };
}

/**
 * A session or token that was real once but is revoked, expired or belongs to a suspended account, used
 * again: someone holds a credential they should not, and that is audited. Secrets nobody ever issued are
 * not (anyone can send those, and they say nothing about an account).
 */
async function auditDeadCredential(db: Db, kind: "session" | "token", hash: string, now: Date): Promise<void> {
  const row =
    kind === "session"
      ? await db
          .selectFrom("user_session as s")
          .innerJoin("app_user as u", "u.id", "s.user_id")
          .select(["u.id as user_id", "u.email", "u.status", "s.revoked_at", "s.revoked_reason", "s.expires_at"])
          .select(sql<string>`null`.as("token_id"))
          .where("s.id_hash", "=", hash)
          .executeTakeFirst()
      : await db
          .selectFrom("api_token as t")
          .innerJoin("app_user as u", "u.id", "t.user_id")
          .select(["u.id as user_id", "u.email", "u.status", "t.revoked_at", "t.expires_at", "t.id as token_id"])
          .select(sql<string | null>`null`.as("revoked_reason"))
          .where("t.token_hash", "=", hash)
          .executeTakeFirst();
  if (!row) return;
  const reason = row.revoked_at
    ? `${kind} revoked${row.revoked_reason ? ` (${row.revoked_reason})` : ""}`
    : row.expires_at <= now
      ? `${kind} expired`
      : `account is ${row.status}`;
  await auditRefusal(
    db,
    {
      actor: row.email,
      action: "session.refused",
      objectType: kind === "token" ? "token" : "user",
      objectId: kind === "token" ? String(row.token_id) : row.user_id,
      reason,
      details: { via: kind },
    },
    now,
  );
}
