import { z } from "zod";
import { listAuditTrail, type TrailEvent, type TrailFilter, trailQuery } from "../audit/audit.trail.js";
import { type VerifyReport, verifyAudit } from "../audit/verify.js";
import type { Principal } from "../authz/authz.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { namesOfIds } from "../requests/request.queries.js";
import { DAY_MS } from "../shared/time.js";
import { ACTION_TEXT, actionText, DetailsInWords, idsIn, type Names } from "./in-words.js";
import { Layout, When } from "./layout.js";
import { sendPage } from "./render.js";

/** The auditor's page: the whole audit trail with its filters, and whether the sealed chain is intact. */

const PAGE_SIZE = 50;

const OBJECT_TYPES = [
  "request",
  "user",
  "session",
  "token",
  "agency",
  "agency_change",
  "jurisdiction",
  "policy",
  "production",
  "preservation_hold",
  "job",
  "route",
  "canary",
  "report",
];

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const trimmed = (v: unknown) => (typeof v === "string" ? emptyToUndefined(v.trim()) : v);
const shape = trailQuery.shape;

/** The API's filters, as a form sends them: empty fields are no filter, days are whole UTC days. */
const pageQuery = z.strictObject({
  objectType: z.preprocess(trimmed, shape.objectType),
  objectId: z.preprocess(trimmed, shape.objectId),
  actor: z.preprocess(trimmed, shape.actor),
  action: z.preprocess(trimmed, shape.action),
  from: z.preprocess(emptyToUndefined, z.iso.date().optional()),
  to: z.preprocess(emptyToUndefined, z.iso.date().optional()),
  order: z.preprocess(emptyToUndefined, shape.order),
  after: shape.after,
});
type PageQuery = z.output<typeof pageQuery>;

function filterOf(q: PageQuery): TrailFilter {
  return {
    objectType: q.objectType,
    objectId: q.objectId,
    actor: q.actor,
    action: q.action,
    from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
    // "To" a day includes that day.
    to: q.to ? new Date(Date.parse(`${q.to}T00:00:00Z`) + DAY_MS) : undefined,
    order: q.order,
    limit: PAGE_SIZE,
    after: q.after,
  };
}

function Integrity({ report, at }: { report: VerifyReport; at: Date }) {
  const first = report.problems[0];
  return (
    <section aria-labelledby="integrity-h" class={report.ok ? "notice" : "warning"}>
      <h2 id="integrity-h">{report.ok ? "The trail is intact" : "The trail is NOT intact"}</h2>
      {first ? (
        <p>
          First problem: {first.detail}
          {report.problems.length > 1 && ` (and ${report.problems.length - 1} more after it)`}.
        </p>
      ) : (
        <p>
          Every sealed entry still matches its digest and the chain, and {report.checkpointsChecked} signed checkpoint
          {report.checkpointsChecked === 1 ? "" : "s"} still hold.
        </p>
      )}
      <p>
        {report.entries} entr{report.entries === 1 ? "y" : "ies"} sealed, {report.unsealed} not sealed yet (the server
        seals new entries within seconds). Checked <When at={at} /> the way <code>custodian audit verify</code> does,
        and again on a visit more than a minute later; chain head <code class="mono">{report.headHash}</code>.
      </p>
    </section>
  );
}

function linkTo(q: Partial<Record<keyof PageQuery, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(q)) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `/desk/audit?${query}` : "/desk/audit";
}

function ObjectCell({ event }: { event: TrailEvent }) {
  return (
    <>
      {event.objectType.replace(/_/g, " ")}{" "}
      <a class="mono" href={linkTo({ objectType: event.objectType, objectId: event.objectId })}>
        {event.objectId}
      </a>
      {event.objectType === "request" && /^[0-9a-f-]{36}$/.test(event.objectId) && (
        <>
          {" "}
          (<a href={`/desk/requests/${event.objectId}`}>open the request</a>)
        </>
      )}
    </>
  );
}

function AuditTrailPage({
  principal,
  csrf,
  query,
  page,
  names,
  report,
  verifiedAt,
}: {
  principal: Principal;
  csrf: string | undefined;
  query: PageQuery;
  page: Awaited<ReturnType<typeof listAuditTrail>>;
  names: Names;
  report: VerifyReport;
  verifiedAt: Date;
}) {
  const { after: _after, ...filters } = query;
  return (
    <Layout title="Audit trail" principal={principal} csrf={csrf} current="/desk/audit">
      <h1>Audit trail</h1>
      <Integrity report={report} at={verifiedAt} />
      <form method="get" action="/desk/audit" class="filters" aria-label="Filter the audit trail">
        <div class="field">
          <label for="a-type">Object type</label>
          <select id="a-type" name="objectType">
            <option value="">any</option>
            {OBJECT_TYPES.map((t) => (
              <option key={t} value={t} selected={query.objectType === t}>
                {t.replace(/_/g, " ")}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="a-id">Object id</label>
          <input id="a-id" name="objectId" value={query.objectId ?? ""} size={20} />
        </div>
        <div class="field">
          <label for="a-actor">Actor (exact e-mail)</label>
          <input id="a-actor" name="actor" value={query.actor ?? ""} size={22} />
        </div>
        <div class="field">
          <label for="a-action">Action</label>
          <select id="a-action" name="action">
            <option value="">any</option>
            {Object.entries(ACTION_TEXT).map(([action, text]) => (
              <option key={action} value={action} selected={query.action === action}>
                {text}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="a-from">From (UTC day)</label>
          <input id="a-from" name="from" type="date" value={query.from ?? ""} />
        </div>
        <div class="field">
          <label for="a-to">To (UTC day, included)</label>
          <input id="a-to" name="to" type="date" value={query.to ?? ""} />
        </div>
        <div class="field">
          <label for="a-order">Order</label>
          <select id="a-order" name="order">
            <option value="newest" selected={query.order === "newest"}>
              newest first
            </option>
            <option value="oldest" selected={query.order === "oldest"}>
              oldest first
            </option>
          </select>
        </div>
        <div class="field">
          <button type="submit">Apply</button>
        </div>
      </form>
      <table class="trail">
        <caption>Events, {query.order === "newest" ? "newest" : "oldest"} first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">On</th>
            <th scope="col">Details</th>
            <th scope="col">Sealed</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 && (
            <tr>
              <td colSpan={6}>Nothing matches these filters.</td>
            </tr>
          )}
          {page.items.map((e) => (
            <tr key={e.id}>
              <td>
                <When at={e.at} />
              </td>
              <td>
                <a href={linkTo({ actor: e.actor })}>{e.actor}</a>
              </td>
              <th scope="row">
                {actionText(e.action)}
                <span class="hint mono">{e.action}</span>
              </th>
              <td>
                <ObjectCell event={e} />
              </td>
              <td>
                <DetailsInWords details={e.details} names={names} />
              </td>
              <td>{e.position === null ? <span class="muted">not yet</span> : `#${e.position}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="Pages" class="pager">
        {query.after && <a href={linkTo(filters)}>First page</a>}
        {page.next && <a href={linkTo({ ...filters, after: page.next })}>Next page</a>}
      </nav>
    </Layout>
  );
}

/**
 * `audit verify` walks the whole chain: a second or more per 100,000 entries. The page shows the newest
 * result (and when it was taken) instead of walking the chain on every load: one younger than a minute as
 * it is, an older one while a fresh check runs in the background for the next load.
 */
const VERIFY_FRESH_MS = 60_000;
interface Verified {
  report: VerifyReport;
  at: Date;
}
const verified = new WeakMap<object, { last?: Verified; running?: Promise<Verified> }>();

async function latestVerify(db: AppContext["db"], run: () => Promise<VerifyReport>, onError: (e: unknown) => void) {
  const state = verified.get(db) ?? {};
  verified.set(db, state);
  const refresh = () => {
    state.running ??= run()
      .then((report) => {
        state.last = { report, at: new Date() };
        return state.last;
      })
      .finally(() => {
        state.running = undefined;
      });
    return state.running;
  };
  if (!state.last) return refresh();
  if (Date.now() - state.last.at.getTime() > VERIFY_FRESH_MS) refresh().catch(onError);
  return state.last;
}

export async function auditPages(app: App, { db, config }: AppContext): Promise<void> {
  app.get(
    "/desk/audit",
    { config: { access: "audit.read", page: true }, schema: { hide: true, querystring: pageQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const page = await listAuditTrail(db, principal, filterOf(request.query));
      const { report, at } = await latestVerify(
        db,
        () => verifyAudit(db, { publicKeys: config.auditPublicKeys }),
        (error) => request.log.error({ err: error }, "audit verify for the audit page failed"),
      );
      return sendPage(
        reply,
        <AuditTrailPage
          principal={principal}
          csrf={pageCsrf(request)}
          query={request.query}
          page={page}
          names={await namesOfIds(db, principal, idsIn(page.items.map((e) => e.details)))}
          report={report}
          verifiedAt={at}
        />,
      );
    },
  );
}
