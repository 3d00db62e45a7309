import { setTimeout as sleep } from "node:timers/promises";
import type { Target } from "../../domain/request.schema.js";
import { type Category, isCategory } from "../../domain/vocabulary.js";
import type { Problem } from "../../shared/validation.js";
import type { AccountRef, DataSource, SourceRecord } from "./source.js";
import type { HttpSourceSpec } from "./sources.config.js";

/**
 * The `http` kind: a provider's service that speaks the source protocol, version 1
 * (docs/source-protocol.openapi.yaml), in any language. Four calls under the configured base URL, each with
 * the bearer token: GET /v1/categories (the columns it produces, asked once at start), POST
 * /v1/accounts/find, POST /v1/contact, and POST /v1/records, whose answer is NDJSON, one record a line,
 * read as it arrives. Targets and account identifiers travel in request bodies, never in URLs, which
 * end up in access logs.
 *
 * A call that fails before any answer (no connection, a 5xx, a 429, no headers within the timeout) is
 * tried again, `retries` times, with a growing pause; a records stream that breaks after its first line
 * is not (its records would be produced twice): the production fails and can be started again.
 */

export const PROTOCOL_VERSION = 1;

class HttpFailure extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

export interface HttpSource {
  source: DataSource;
  check(categories: Category[]): Promise<Problem[]>;
}

export function openHttpSource(spec: HttpSourceSpec): HttpSource {
  const base = spec.url.replace(/\/+$/, "");
  let columns: Partial<Record<Category, string[]>> = {};

  /** One call, tried again while it fails before answering; the response's headers have arrived. */
  async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<Response> {
    let attempt = 0;
    for (;;) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${spec.token}`,
            accept: path === "/v1/records" ? "application/x-ndjson" : "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: controller.signal,
        }).catch((error: Error) => {
          const why = controller.signal.aborted ? `no answer within ${spec.timeoutMs} ms` : causeOf(error);
          throw new HttpFailure(`${method} ${path}: ${why}`, true);
        });
        clearTimeout(timer);
        if (response.ok) return response;
        const text = (await response.text().catch(() => "")).slice(0, 200);
        const retry = response.status >= 500 || response.status === 429;
        const what =
          response.status === 401 || response.status === 403
            ? "the bearer token was refused"
            : text || "no reason given";
        throw new HttpFailure(`${method} ${path}: HTTP ${response.status}: ${what}`, retry);
      } catch (error) {
        clearTimeout(timer);
        if (!(error instanceof HttpFailure) || !error.retry || attempt >= spec.retries) throw error;
        attempt += 1;
        await sleep(Math.min(200 * 2 ** attempt, 5_000));
      }
    }
  }

  async function json(method: "GET" | "POST", path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await call(method, path, body);
    const text = await response.text();
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // Reported below.
    }
    throw new Error(`${method} ${path}: the answer is not a JSON object`);
  }

  const source: DataSource = {
    name: spec.name,
    columns: (category) => columns[category],
    async findAccount(target: Target): Promise<AccountRef | undefined> {
      const answer = await json("POST", "/v1/accounts/find", { type: target.type, value: target.value.trim() });
      const account = answer.account as { id?: unknown; label?: unknown } | null | undefined;
      if (account === null) return undefined;
      if (typeof account?.id !== "string" || account.id === "") {
        throw new Error("POST /v1/accounts/find: account is neither null nor { id, label }");
      }
      return { id: account.id, label: typeof account.label === "string" ? account.label : account.id };
    },
    async contactFor(account: AccountRef) {
      const answer = await json("POST", "/v1/contact", { accountId: account.id });
      const contact = answer.contact as { email?: unknown; name?: unknown } | null | undefined;
      if (contact === null) return undefined;
      if (typeof contact?.email !== "string" || typeof contact.name !== "string") {
        throw new Error("POST /v1/contact: contact is neither null nor { email, name }");
      }
      return { email: contact.email, name: contact.name };
    },
    async *read(account, category, period): AsyncIterable<SourceRecord> {
      const response = await call("POST", "/v1/records", {
        accountId: account.id,
        category,
        from: period.from?.toISOString() ?? null,
        to: period.to.toISOString(),
      });
      if (!response.body) return;
      const decoder = new TextDecoder("utf-8", { fatal: true });
      let buffered = "";
      let line = 0;
      const parse = (text: string): SourceRecord | undefined => {
        line += 1;
        if (text.trim() === "") return undefined;
        let value: { at?: unknown; fields?: unknown };
        try {
          value = JSON.parse(text) as typeof value;
        } catch {
          throw new Error(`POST /v1/records: line ${line} is not JSON`);
        }
        const at = value?.at;
        if (
          at !== null &&
          !(typeof at === "string" && !Number.isNaN(Date.parse(at)) && /[Zz]|[+-]\d{2}:?\d{2}$/.test(at))
        ) {
          throw new Error(`POST /v1/records: line ${line}: at must be an ISO 8601 time with a zone, or null`);
        }
        return { at: at === null ? null : new Date(at), fields: value.fields as SourceRecord["fields"] };
      };
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.indexOf("\n");
        while (end !== -1) {
          const record = parse(buffered.slice(0, end));
          if (record) yield record;
          buffered = buffered.slice(end + 1);
          end = buffered.indexOf("\n");
        }
      }
      buffered += decoder.decode();
      const last = parse(buffered);
      if (last) yield last;
    },
  };

  return {
    source,
    async check(categories) {
      const at = `sources.${spec.name}`;
      let answer: Record<string, unknown>;
      try {
        answer = await json("GET", "/v1/categories");
      } catch (error) {
        return [{ path: at, message: `cannot use ${base}: ${(error as Error).message}` }];
      }
      if (answer.protocol !== PROTOCOL_VERSION) {
        return [
          { path: at, message: `${base} speaks protocol ${JSON.stringify(answer.protocol)}, not ${PROTOCOL_VERSION}` },
        ];
      }
      const offered = (answer.categories ?? {}) as Record<string, unknown>;
      const problems: Problem[] = [];
      const found: Partial<Record<Category, string[]>> = {};
      for (const [category, list] of Object.entries(offered)) {
        if (!isCategory(category)) continue;
        if (Array.isArray(list) && list.length > 0 && list.every((c) => typeof c === "string" && c !== "at")) {
          found[category] = list as string[];
        }
      }
      for (const category of categories) {
        if (!found[category]) {
          problems.push({
            path: `categories[${JSON.stringify(category)}]`,
            message: `${spec.name} (${base}) lists no columns for it in GET /v1/categories`,
          });
        }
      }
      columns = found;
      return problems;
    },
  };
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
