import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { z } from "zod";
import type { Principal } from "../../authz/authz.js";
import { principalOf } from "../../http/context.js";
import { pageCsrf } from "../../http/session.js";
import type { FormFailure } from "../forms.js";
import { sendPage } from "../render.js";

/** What every admin area's forms share: the CSRF field, the notice after a redirect, a reason, a refused form. */

export const csrfField = { _csrf: z.string().max(200).optional() };
export const noticeQuery = z.strictObject({ notice: z.string().max(40).optional() });
export const reason = z.string().trim().min(1).max(2000);

/** An admin page, loaded for its principal: rendered again with a refused form's problems where they belong. */
export type AdminPage = (
  principal: Principal,
  csrf: string | undefined,
  notice: string | undefined,
  failure?: FormFailure,
) => Promise<VNode>;

/** A refused admin form: the page it is on again, with the problems where they belong. */
export async function sendRefused(request: FastifyRequest, reply: FastifyReply, page: AdminPage, failure: FormFailure) {
  return sendPage(reply, await page(principalOf(request), pageCsrf(request), undefined, failure), failure.status);
}
