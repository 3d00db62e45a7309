import type { Principal } from "../authz/authz.js";
import type { listMessages } from "../correspondence/correspondence.service.js";
import { categoryLabel } from "../domain/vocabulary.js";
import type { ProductionView } from "../fulfilment/productions.queries.js";
import type { RequestDetail } from "../requests/request.presenter.js";
import { CorrespondenceSection } from "./correspondence.js";
import { formatBytes } from "./format-bytes.js";
import type { FormFailure } from "./forms.js";
import { PROCESS_TEXT } from "./guide.js";
import { PortalHoldNotice } from "./holds.js";
import { CsrfField, FormErrors, Layout, NotOffered, StatusBadge, statusText, TextField, When } from "./layout.js";

/** An officer's request in the portal: where it stands, what happens next, what was asked for, the production. */

const WITHDRAWABLE: readonly string[] = ["received", "verifying", "under_review", "approved", "on_hold"];

/**
 * A request's production: when it was sealed, what it holds, until when it can be downloaded, and
 * whether it was. The download is a form post (with the session's CSRF token) to a page route that
 * streams `openProductionDownload`: once, for this agency's signed-in officer, audited either way.
 */
function ProductionSection({
  productions,
  csrf,
  jurisdiction,
  now,
}: {
  productions: ProductionView[];
  csrf: string | undefined;
  jurisdiction: string;
  now: Date;
}) {
  return (
    <section id="production" aria-labelledby="production-h">
      <h2 id="production-h">Production</h2>
      {productions.map((p) => {
        const expired = p.expiresAt !== null && Date.parse(p.expiresAt) <= now.getTime();
        const open = p.status === "ready" && !expired;
        return (
          <div class="production" key={p.id} data-production={p.id}>
            <dl class="facts">
              <dt>Made</dt>
              <dd>
                <When at={p.sealedAt} jurisdiction={jurisdiction} />
              </dd>
              <dt>Contents</dt>
              <dd>
                {p.files.length} {p.files.length === 1 ? "file" : "files"}
                {p.bytes !== null && `, ${formatBytes(p.bytes)} as a tar (BagIt bag)`}
                {p.dataProduced === false && " — no data was found for any account"}
              </dd>
              {p.targets.length > 0 && (
                <>
                  <dt>Accounts</dt>
                  <dd>
                    <ul>
                      {p.targets.map((t) => (
                        <li key={t.target}>
                          {t.target}:{" "}
                          {t.result === "data_produced"
                            ? `${t.records} ${t.records === 1 ? "record" : "records"}`
                            : "no data"}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </>
              )}
              <dt>Download until</dt>
              <dd>
                <When at={p.expiresAt} jurisdiction={jurisdiction} />
                {expired && p.status === "ready" && " (expired)"}
              </dd>
              <dt>Downloaded</dt>
              <dd class="downloaded">
                {p.status === "downloaded" || p.downloadedAt ? (
                  <>
                    <When at={p.downloadedAt} jurisdiction={jurisdiction} />
                    {p.downloadedBy && ` by ${p.downloadedBy}`}
                  </>
                ) : (
                  "Not yet"
                )}
              </dd>
            </dl>
            {open && (
              <form method="post" action={`/portal/productions/${p.id}/download`} class="narrow">
                <CsrfField token={csrf} />
                <p class="hint">
                  The production can be downloaded once. Keep the file: a second download is refused. Verify it with any
                  BagIt tool (<code>bagit.py --validate</code>).
                </p>
                <button type="submit">Download the production</button>
              </form>
            )}
            {p.status === "downloaded" && <p class="muted">Already downloaded: it can be downloaded once.</p>}
            {p.status === "purged" && <p class="muted">Deleted after its retention period.</p>}
            {p.status === "ready" && expired && <p class="muted">The download period has ended.</p>}
          </div>
        );
      })}
    </section>
  );
}

/** What happens next on the officer's request, and whether anything is needed from them, in a sentence or two. */
export function officerNextStep(r: RequestDetail, dial: string | null, downloaded: boolean): string {
  const emergency = r.process === "emergency";
  switch (r.status) {
    case "received":
    case "verifying":
      return emergency
        ? `We are calling your agency's number on file${dial ? `, ${dial},` : ""} now to confirm the emergency. Make sure someone who knows of this request can answer it: nothing is disclosed until that call confirms the emergency.`
        : "We check your account and the documents, then our legal team decides what can be disclosed under the policy in force. Nothing is needed from you; the status here changes as it moves on, and we answer by the deadline below.";
    case "under_review":
      return "Our legal team is reviewing the request against the policy in force. Nothing is needed from you; the status here changes when it is decided.";
    case "approved":
    case "fulfilling":
      return "Approved. We are collecting and packaging the data; it appears below as a production, and we e-mail you when it can be downloaded.";
    case "delivered":
      return downloaded
        ? "You have downloaded the production. Nothing more happens on this request."
        : "The production is ready below. Download it once and keep the file: a second download is refused.";
    case "on_hold":
      return "Requests from this jurisdiction are paused. Nothing is done on it until they resume; you need not do anything.";
    case "preserved":
      return "The data is preserved, not disclosed. Send the legal process by the date below for it to be considered for disclosure.";
    case "rejected":
      return "Rejected: nothing will be disclosed.";
    default:
      return "Nothing more happens on this request.";
  }
}

export function PortalRequestPage({
  principal,
  csrf,
  r,
  productions,
  notice,
  dial,
  correspondence,
  now,
}: {
  principal: Principal;
  csrf: string | undefined;
  r: RequestDetail;
  productions: ProductionView[];
  notice: string | undefined;
  /** The agency's number on file an emergency is confirmed on, for an emergency. */
  dial: string | null;
  correspondence: Awaited<ReturnType<typeof listMessages>>;
  now: Date;
}) {
  const downloaded = productions.some((p) => p.status === "downloaded");
  return (
    <Layout title={r.reference} principal={principal} csrf={csrf} notice={notice}>
      <p>
        <a href="/portal">← My requests</a>
      </p>
      <h1>
        {r.reference} <StatusBadge status={r.status} />
      </h1>
      <p class="lead" role="status">
        {statusText(r.status, downloaded)}
      </p>
      <PortalHoldNotice hold={r.staffHold} />
      <section aria-labelledby="next-h" class="next">
        <h2 id="next-h">What happens next</h2>
        <p class="next-step">{officerNextStep(r, dial, downloaded)}</p>
      </section>
      <dl class="facts">
        <dt>Legal process</dt>
        <dd>{PROCESS_TEXT[r.process as keyof typeof PROCESS_TEXT]?.label ?? r.process}</dd>
        <dt>Jurisdiction</dt>
        <dd>{r.jurisdiction}</dd>
        <dt>Received</dt>
        <dd>
          <When at={r.receivedAt} jurisdiction={r.jurisdiction} />
        </dd>
        <dt>Deadline</dt>
        <dd>
          <When at={r.deadlineAt} jurisdiction={r.jurisdiction} />
        </dd>
        {r.followUpDueAt && (
          <>
            <dt>Legal process due</dt>
            <dd>
              <When at={r.followUpDueAt} jurisdiction={r.jurisdiction} />
            </dd>
          </>
        )}
        <dt>Accounts</dt>
        <dd>{r.targets.map((t) => `${t.type}: ${t.value}`).join(", ")}</dd>
        <dt>Data asked for</dt>
        <dd>
          <ul class="plain">
            {r.categories.map((c) => (
              <li key={c}>{categoryLabel(c)}</li>
            ))}
          </ul>
        </dd>
      </dl>
      <h2>Documents</h2>
      <ul>
        {r.documents.map((d) => (
          <li key={d.position}>
            {d.stored ? <a href={`/api/v1/requests/${r.id}/documents/${d.position}`}>{d.name}</a> : d.name}{" "}
            <span class="muted mono">SHA-256 {d.sha256}</span>
          </li>
        ))}
        {r.documents.length === 0 && <li>None.</li>}
      </ul>
      {productions.length > 0 && (
        <ProductionSection productions={productions} csrf={csrf} jurisdiction={r.jurisdiction} now={now} />
      )}
      <CorrespondenceSection
        requestId={r.id}
        correspondence={correspondence}
        csrf={csrf}
        jurisdiction={r.jurisdiction}
      />
      {WITHDRAWABLE.includes(r.status) && (
        <p>
          <a href={`/portal/requests/${r.id}/withdraw`}>Withdraw this request…</a>
        </p>
      )}
    </Layout>
  );
}

/**
 * The page between "Withdraw" and the withdrawal: what withdrawing this request does (all work stops,
 * nothing is disclosed, even what was approved; it cannot be undone) and the reason, then one button; a
 * request past withdrawing says so, with no button.
 */
export function WithdrawConfirmPage({
  principal,
  csrf,
  r,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  r: RequestDetail;
  failure: FormFailure | undefined;
}) {
  const title = `Withdraw ${r.reference}`;
  const open = WITHDRAWABLE.includes(r.status);
  return (
    <Layout title={failure ? `Error: ${title}` : title} principal={principal} csrf={csrf}>
      <p>
        <a href={`/portal/requests/${r.id}`}>← {r.reference}</a>
      </p>
      <h1>{title}</h1>
      <p>
        <StatusBadge status={r.status} /> {statusText(r.status, false)}
      </p>
      {open ? (
        <form method="post" action={`/portal/requests/${r.id}/withdraw`} class="card narrow" novalidate>
          <CsrfField token={csrf} />
          <FormErrors form="withdraw" failure={failure} fields={["reason"]} />
          <p class="effect">
            <strong>Withdraw {r.reference}:</strong> we stop all work on it and disclose nothing
            {r.status === "approved" ? ", not even the data already approved" : ""}. A withdrawal cannot be undone: to
            ask again, submit a new request.
          </p>
          <TextField
            form="withdraw"
            name="reason"
            label="Why you withdraw it"
            failure={failure}
            required
            maxLength={2000}
          />
          <button type="submit" class="danger">
            Withdraw {r.reference}
          </button>{" "}
          <a href={`/portal/requests/${r.id}`}>Keep the request</a>
        </form>
      ) : (
        <NotOffered
          why={`This request can no longer be withdrawn: it is ${r.status.replace("_", " ")}.`}
          ways={[{ href: `/portal/requests/${r.id}`, label: "Back to the request" }]}
        />
      )}
    </Layout>
  );
}
