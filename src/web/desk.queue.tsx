import { z } from "zod";
import { may, type Principal } from "../authz/authz.js";
import { processSchema } from "../domain/domain.schema.js";
import { PROCESSES, type Process, STATUSES } from "../domain/vocabulary.js";
import { countryName } from "../reports/country-names.js";
import type { RequestSummary } from "../requests/request.presenter.js";
import type { listRequests } from "../requests/request.queries.js";
import { DAY_MS, HOUR_MS } from "../shared/time.js";
import { PROCESS_TEXT } from "./guide.js";
import { CsrfField, ErrorSummary, Layout, StatusBadge } from "./layout.js";
import { QUEUE_VIEWS, type QueueView, type ViewDefinition } from "./queue.views.js";
import { type Column, WorkTable } from "./table.js";
import { formatDay, formatInZone } from "./zones.js";

/** The desk's queue page: the views with their counts, the filters, one line per request, the pager. */

export const PAGE_SIZE = 50;

const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

export const queueQuery = z.strictObject({
  view: z.preprocess(emptyToUndefined, z.enum(QUEUE_VIEWS).optional()),
  // A status narrows the view; the old "open" and "all" name views of their own.
  status: z.preprocess(emptyToUndefined, z.enum(["open", "all", ...STATUSES]).optional()),
  // A country's name or a code: resolved on the page, so a name it does not know is said beside the field.
  jurisdiction: z.preprocess(emptyToUndefined, z.string().trim().max(100).optional()),
  process: z.preprocess(emptyToUndefined, processSchema.optional()),
  deadlineBefore: z.preprocess(emptyToUndefined, z.iso.date().optional()),
  sort: z.preprocess(emptyToUndefined, z.enum(["deadline", "received"]).default("deadline")),
  after: z.string().max(200).optional(),
  before: z.string().max(200).optional(),
  notice: z.string().max(40).optional(),
});
export type QueueQuery = z.output<typeof queueQuery>;

/** Time left to a deadline in words, and how close it is: overdue, under a day, under three days. */
export function timeLeft(deadline: string | null, now: Date): { text: string; level?: "overdue" | "urgent" | "soon" } {
  if (!deadline) return { text: "no deadline" };
  const ms = new Date(deadline).getTime() - now.getTime();
  const days = Math.floor(Math.abs(ms) / DAY_MS);
  const hours = Math.floor(Math.abs(ms) / HOUR_MS);
  const span = days >= 1 ? `${days} day${days === 1 ? "" : "s"}` : `${hours} hour${hours === 1 ? "" : "s"}`;
  if (ms < 0) return { text: `overdue by ${span}`, level: "overdue" };
  if (ms < DAY_MS) return { text: `${span} left`, level: "urgent" };
  return { text: `${span} left`, ...(ms < 3 * DAY_MS ? { level: "soon" as const } : {}) };
}

/** The queue's address with these filters (and view), without the page's cursor. */
function queueHref(query: QueueQuery, view: QueueView, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ view });
  for (const key of ["status", "jurisdiction", "process", "deadlineBefore"] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  if (query.sort !== "deadline") params.set("sort", query.sort);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `/desk?${params.toString()}`;
}

function AssigneeCell({
  row,
  principal,
  csrf,
  back,
}: {
  row: RequestSummary;
  principal: Principal;
  csrf: string | undefined;
  back: string;
}) {
  const mine = row.assignee === principal.email;
  const who = mine ? "you" : (row.assignee ?? "nobody");
  if (!may(principal, "request.assign")) return <span class={row.assignee ? undefined : "muted"}>{who}</span>;
  const action = row.assignee ? "let-go" : "take";
  return (
    <form method="post" action={`/desk/requests/${row.id}/${action}`} class="inline-form assignee">
      <CsrfField token={csrf} />
      <input type="hidden" name="back" value={back} />
      <span class={row.assignee ? undefined : "muted"}>{who}</span>{" "}
      <button
        type="submit"
        class="secondary small"
        aria-label={`${row.assignee ? "Let go of" : "Take"} ${row.reference}`}
      >
        {row.assignee ? "Let go" : "Take"}
      </button>
    </form>
  );
}

export function Queue({
  principal,
  csrf,
  query,
  view,
  views,
  counts,
  page,
  notice,
  problem,
  jurisdiction,
  now,
}: {
  principal: Principal;
  csrf: string | undefined;
  query: QueueQuery;
  view: QueueView;
  views: Partial<Record<QueueView, ViewDefinition>>;
  counts: Partial<Record<QueueView, number>>;
  page: Awaited<ReturnType<typeof listRequests>>;
  notice: string | undefined;
  /** The jurisdiction typed that names no country, in a sentence. */
  problem: string | undefined;
  jurisdiction: string | undefined;
  now: Date;
}) {
  const here = queueHref(query, view);
  const back = `${here}${query.after ? `&after=${encodeURIComponent(query.after)}` : ""}${query.before ? `&before=${encodeURIComponent(query.before)}` : ""}`;
  const filtered = Boolean(query.jurisdiction || query.process || query.deadlineBefore || query.status);
  const definition = views[view] as ViewDefinition;
  const columns: Column<RequestSummary>[] = [
    {
      header: "Reference",
      rowHeader: true,
      cell: (r) => (
        <>
          <a href={`/desk/requests/${r.id}`}>{r.reference}</a>
          {r.emergency && <span class="badge emergency">emergency</span>}
        </>
      ),
    },
    {
      header: "Agency",
      cell: (r) => (
        <span class="clip" title={r.agencyName}>
          {r.agencyName}
        </span>
      ),
    },
    {
      header: "Jurisdiction",
      cell: (r) => <abbr title={countryName(r.jurisdiction.slice(0, 2))}>{r.jurisdiction}</abbr>,
    },
    { header: "Process", cell: (r) => PROCESS_TEXT[r.process as Process]?.label ?? r.process },
    { header: "Status", cell: (r) => <StatusBadge status={r.status} /> },
    {
      header: "Received",
      cell: (r) => <time datetime={r.receivedAt}>{formatDay(r.receivedAt)}</time>,
    },
    {
      header: "Time left",
      cell: (r) => {
        const left = timeLeft(r.deadlineAt, now);
        return r.deadlineAt ? (
          <span class={`due${left.level ? ` due-${left.level}` : ""}`}>
            <time datetime={r.deadlineAt} title={`Deadline ${formatInZone(new Date(r.deadlineAt), "UTC")}`}>
              {left.text}
            </time>
          </span>
        ) : (
          <span class="muted">{left.text}</span>
        );
      },
    },
    { header: "Taken by", cell: (r) => <AssigneeCell row={r} principal={principal} csrf={csrf} back={back} /> },
  ];
  return (
    <Layout
      title={problem ? "Error: Queue" : "Queue"}
      principal={principal}
      csrf={csrf}
      current="/desk"
      notice={notice}
    >
      <h1>Queue</h1>
      <nav aria-label="Queue views">
        <ul class="view-tabs">
          {(Object.entries(views) as [QueueView, ViewDefinition][]).map(([name, v]) => (
            <li key={name}>
              <a class="view-tab" href={queueHref(query, name)} aria-current={name === view ? "page" : undefined}>
                {v.label} <span class="view-count">{(counts[name] ?? 0).toLocaleString("en-US")}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {problem && (
        <ErrorSummary
          problems={[{ path: "jurisdiction", message: problem }]}
          fields={new Set(["jurisdiction"])}
          named={() => ""}
        />
      )}
      <form method="get" action="/desk" class="filters" aria-label="Filter the queue">
        <input type="hidden" name="view" value={view} />
        <div class={problem ? "field invalid" : "field"}>
          <label for="jurisdiction">Country</label>
          <span class="hint" id="jurisdiction-hint">
            Name or code
          </span>
          {problem && (
            <p class="field-error" id="jurisdiction-error">
              <span class="visually-hidden">Error: </span>
              {problem}
            </p>
          )}
          <input
            id="jurisdiction"
            name="jurisdiction"
            value={query.jurisdiction ?? ""}
            size={14}
            aria-describedby={problem ? "jurisdiction-hint jurisdiction-error" : "jurisdiction-hint"}
            aria-invalid={problem ? "true" : undefined}
          />
        </div>
        <div class="field">
          <label for="q-process">Process</label>
          <select id="q-process" name="process">
            <option value="">any</option>
            {PROCESSES.map((p) => (
              <option key={p} value={p} selected={query.process === p}>
                {PROCESS_TEXT[p].label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="q-status">Status</label>
          <select id="q-status" name="status">
            <option value="">any in this view</option>
            {STATUSES.map((s) => (
              <option key={s} value={s} selected={query.status === s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="q-deadline">Deadline before</label>
          <input id="q-deadline" name="deadlineBefore" type="date" value={query.deadlineBefore ?? ""} />
        </div>
        <div class="field">
          <label for="q-sort">Sort by</label>
          <select id="q-sort" name="sort">
            <option value="deadline" selected={query.sort === "deadline"}>
              soonest deadline first
            </option>
            <option value="received" selected={query.sort === "received"}>
              newest arrival first
            </option>
          </select>
        </div>
        <div class="field">
          <button type="submit">Apply</button> {filtered && <a href={`/desk?view=${view}`}>Clear filters</a>}
        </div>
      </form>
      <WorkTable
        class="queue"
        caption={
          <>
            {definition.label}
            {jurisdiction ? `, ${countryName(jurisdiction.slice(0, 2))} (${jurisdiction})` : ""}
            {query.process ? `, ${PROCESS_TEXT[query.process].label}` : ""}
            {query.status ? `, ${query.status.replace("_", " ")}` : ""}
            {`: ${(counts[view] ?? 0).toLocaleString("en-US")} ${filtered ? "matching " : ""}request${counts[view] === 1 ? "" : "s"}, ${query.sort === "deadline" ? "soonest deadline" : "newest"} first`}
          </>
        }
        columns={columns}
        rows={page.items}
        rowKey={(r) => r.id}
        rowClass={(r) => (r.emergency ? "emergency" : undefined)}
        empty={
          filtered ? (
            <>
              Nothing matches these filters. <a href={`/desk?view=${view}`}>Clear the filters</a>
              {view !== "all" && (
                <>
                  {" "}
                  or <a href={queueHref(query, "all")}>look in all requests</a>
                </>
              )}
              .
            </>
          ) : (
            <>Nothing here{view === "mine" ? ": nothing needs your action now" : ""}.</>
          )
        }
      />
      <nav aria-label="Pages" class="pager">
        {(query.after || query.before) && <a href={here}>First page</a>}
        {page.previous && <a href={`${here}&before=${encodeURIComponent(page.previous)}`}>Previous page</a>}
        {page.next && <a href={`${here}&after=${encodeURIComponent(page.next)}`}>Next page</a>}
      </nav>
    </Layout>
  );
}
