import { categoryLabel, type Process } from "../domain/vocabulary.js";
import type { RequestDetailStaff } from "../requests/request.presenter.js";
import { PROCESS_TEXT } from "./guide.js";
import { When } from "./layout.js";

/**
 * The request as filed, beside the standards checklist: every fact the checklist asks the reviewer to
 * certify (who issued the process and what kind, the period, the accounts and data, the findings, the
 * non-disclosure order), who submitted it and what intake checked. A fact the request left out is said
 * to be absent, never left blank: "not stated" is itself something a reviewer weighs.
 */
export function RequestFiled({ r, humanRights }: { r: RequestDetailStaff; humanRights: boolean }) {
  const absent = <span class="muted">not stated</span>;
  return (
    <section aria-labelledby="filed-h" id="filed">
      <h2 id="filed-h">The request as filed</h2>
      <dl class="facts">
        <dt>Agency</dt>
        <dd>
          {r.agencyName} {r.agencyVerified ? "(verified officer)" : <strong>(requester not yet verified)</strong>}
        </dd>
        <dt>Submitted by</dt>
        <dd>{r.submittedBy ?? <span class="muted">registered by intake from the mail</span>}</dd>
        <dt>Jurisdiction</dt>
        <dd>
          {r.jurisdiction}
          {humanRights && <strong> — on the policy's human-rights review list</strong>}
        </dd>
        <dt>Legal process</dt>
        <dd>{PROCESS_TEXT[r.process as Process]?.label ?? r.process}</dd>
        <dt>Issuing court or authority</dt>
        <dd>{r.issuedBy ?? absent}</dd>
        <dt>Period</dt>
        <dd>
          {r.dateRange ? (
            <>
              from <time datetime={r.dateRange.from}>{r.dateRange.from}</time> to{" "}
              <time datetime={r.dateRange.to}>{r.dateRange.to}</time> (inclusive)
            </>
          ) : (
            <strong>no period stated: all the data held</strong>
          )}
        </dd>
        <dt>Accounts</dt>
        <dd>
          <ul class="plain">
            {r.targets.map((t) => (
              <li key={`${t.type}:${t.value}`}>
                {t.type}: <span class="mono">{t.value}</span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Data requested</dt>
        <dd>
          <ul class="plain">
            {r.categories.map((c) => (
              <li key={c}>{categoryLabel(c)}</li>
            ))}
          </ul>
        </dd>
        <dt>Findings</dt>
        <dd>{r.findings.length > 0 ? r.findings.map((f) => f.replaceAll("_", " ")).join(", ") : absent}</dd>
        <dt>Non-disclosure order</dt>
        <dd>
          {r.nonDisclosureUntil ? (
            <>
              the user may not be told until <time datetime={r.nonDisclosureUntil}>{r.nonDisclosureUntil}</time>
            </>
          ) : (
            "none"
          )}
        </dd>
        <dt>Telling the user</dt>
        <dd>
          <UserNotice r={r} />
        </dd>
        <dt>Received</dt>
        <dd>
          <When at={r.receivedAt} jurisdiction={r.jurisdiction} />
        </dd>
        <dt>Deadline</dt>
        <dd class="deadline">
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
        <dt>Intake's verification notes</dt>
        <dd>
          {r.verificationNotes.length > 0 ? (
            <ul class="plain">
              {r.verificationNotes.map((v) => (
                <li key={`${v.at}${v.by}`}>
                  {v.note}{" "}
                  <span class="muted">
                    — {v.by}, moving it to {v.to.replace("_", " ")},
                  </span>{" "}
                  <When at={v.at} />
                </li>
              ))}
            </ul>
          ) : (
            <span class="muted">none yet</span>
          )}
        </dd>
        <dt>Original document</dt>
        <dd class="mono">SHA-256 {r.originalSha256}</dd>
      </dl>
    </section>
  );
}

/** Who tells the user under this request's regime, and what stands in the way, as the policy in force says. */
function UserNotice({ r }: { r: RequestDetailStaff }) {
  const rule = r.userNotice;
  if (!rule) return <span class="muted">no policy in force</span>;
  const delay = r.legalBasis?.userInformationDelay;
  return (
    <>
      {rule.by === "issuing_authority" ? (
        <strong>the issuing authority informs the person; we send nothing and keep the order confidential</strong>
      ) : (
        <>
          we tell the user
          {rule.afterDays > 0 ? ` ${rule.afterDays} days after we answer,` : ""} once nothing bars it
          {delay && (
            <>
              {" "}
              — <strong>the issuing authority delays informing the user</strong>
              {delay.until ? (
                <>
                  {" "}
                  until <time datetime={delay.until}>{delay.until}</time>
                </>
              ) : (
                ", with no end date"
              )}
              : {delay.reason}
            </>
          )}
        </>
      )}
      <span class="hint">
        {rule.reason} <span class="mono">({rule.rule})</span>
      </span>
    </>
  );
}
