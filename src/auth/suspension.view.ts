import { authorizeCaller, type Principal } from "../authz/authz.js";
import type { Db } from "../db/database.js";
import type { Role } from "../domain/vocabulary.js";
import { holdableCount } from "../requests/holds.service.js";
import { notFound } from "../shared/errors.js";

/**
 * What suspending an account would do, counted as it stands, for the page that asks an admin to confirm
 * it (suspendUser in accounts.service.ts does it): the sessions it signs out, the API tokens it revokes and
 * the requests it holds for staff review (the same question holds.service.ts asks when it holds them); or
 * why it cannot be suspended, so that the page offers no button.
 */
export interface SuspensionPreview {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  status: string;
  agencyName: string | null;
  sessions: number;
  tokens: number;
  requests: number;
  /** Why the service would refuse it, in a sentence; undefined when it can be suspended. */
  refused: string | undefined;
}

export async function suspensionPreview(
  db: Db,
  admin: Principal,
  userId: string,
  now: Date,
): Promise<SuspensionPreview> {
  authorizeCaller(admin, "user.manage");
  const user = await db
    .selectFrom("app_user as u")
    .leftJoin("agency as a", "a.id", "u.agency_id")
    .select(["u.id", "u.email", "u.display_name", "u.role", "u.status", "a.name as agency_name"])
    .where("u.id", "=", userId)
    .executeTakeFirst();
  if (!user) throw notFound(`user ${userId}`);
  const [sessions, tokens, requests] = await Promise.all([
    db
      .selectFrom("user_session")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("api_token")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirstOrThrow(),
    holdableCount(db, userId),
  ]);
  return {
    id: user.id,
    email: user.email,
    displayName: user.display_name,
    role: user.role,
    status: user.status,
    agencyName: user.agency_name,
    sessions: Number(sessions.n),
    tokens: Number(tokens.n),
    requests,
    refused:
      user.id === admin.userId
        ? "An admin cannot suspend their own account: another admin must."
        : user.status === "suspended"
          ? `${user.email} is already suspended.`
          : undefined,
  };
}
