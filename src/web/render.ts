import type { FastifyReply } from "fastify";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { Principal } from "../authz/authz.js";

/** How a page answers: a rendered page, or a redirect after a form (post/redirect/get). */

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(`<!doctype html>${renderToString(page)}`);
}

export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header("location", location).send();
}

/** Where each role starts. */
export function homeOf(principal: Principal): string {
  if (principal.role === "agency") return "/portal";
  if (principal.role === "admin") return "/admin/jurisdictions";
  return "/desk";
}
