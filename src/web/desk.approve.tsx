import type { Principal } from "../authz/authz.js";
import { type Category, categoryLabel } from "../domain/vocabulary.js";
import type { RequestView } from "./desk.actions.js";
import { CsrfField, Layout, When } from "./layout.js";
import { ChecklistSummary, VERDICT_TEXT } from "./review-form.js";
import { ScrollBox } from "./table.js";

/**
 * Counsel's final approval as a step of its own (GOV.UK's "check your answers"): before anything is
 * recorded, exactly what will leave — each account with the categories of data that will be disclosed, and
 * what is withheld — with the reviewer's recommendation and counsel's own answers, then one button that
 * approves and one that goes back to change the answers. The answers travel in hidden fields, so going
 * back keeps them and approving records what counsel saw.
 */

/** The decision's items that will leave, per account, and the count of those that stay. */
export function disclosureOf(r: RequestView): {
  accounts: Array<{ target: string; categories: Category[] }>;
  items: number;
  withheld: number;
  contents: boolean;
} {
  const items = r.decision?.items ?? [];
  const byTarget = new Map<string, Category[]>();
  for (const item of items) {
    if (item.action !== "disclose") continue;
    byTarget.set(item.target, [...(byTarget.get(item.target) ?? []), item.category]);
  }
  const disclosed = [...byTarget.values()].flat();
  return {
    accounts: [...byTarget].map(([target, categories]) => ({ target, categories })),
    items: disclosed.length,
    withheld: items.length - disclosed.length,
    contents: disclosed.some((c) => c.startsWith("content.")),
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export function ApprovalCheck({
  principal,
  csrf,
  r,
  values,
}: {
  principal: Principal;
  csrf: string | undefined;
  r: RequestView;
  /** The review form as counsel sent it (checklist, note, verdict). */
  values: Record<string, string>;
}) {
  const leaving = disclosureOf(r);
  const current = r.reviews.filter((v) => v.decisionId === r.decision?.id);
  return (
    <Layout title={`Check before you approve: ${r.reference}`} principal={principal} csrf={csrf}>
      <p>
        <a href={`/desk/requests/${r.id}`}>← {r.reference}</a>
      </p>
      <h1>Check what will leave before you approve</h1>
      <p class="lead" id="disclosure-summary">
        Approving discloses <strong>{plural(leaving.items, "item")}</strong> of data about{" "}
        <strong>{plural(leaving.accounts.length, "account")}</strong> to {r.agencyName}
        {leaving.contents ? ", contents included" : ""}.{" "}
        {leaving.withheld > 0 ? `${plural(leaving.withheld, "item")} asked for will not leave.` : ""}
      </p>
      <ScrollBox label="What will be disclosed">
        <table class="disclosure">
          <caption>What will be disclosed, account by account</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Data that will leave</th>
            </tr>
          </thead>
          <tbody>
            {leaving.accounts.map((a) => (
              <tr key={a.target}>
                <th scope="row" class="mono">
                  {a.target}
                </th>
                <td>
                  <ul class="plain">
                    {a.categories.map((c) => (
                      <li key={c}>{categoryLabel(c)}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
            {leaving.accounts.length === 0 && (
              <tr>
                <td colSpan={2}>Nothing: the decision in force discloses no data.</td>
              </tr>
            )}
          </tbody>
        </table>
      </ScrollBox>
      <h2>The reviews so far</h2>
      {current.length === 0 ? (
        <p>No review of this decision yet: your approval is the only one.</p>
      ) : (
        <ul>
          {current.map((v) => (
            <li key={`${v.reviewer}${v.createdAt}`}>
              {v.reviewer}: <strong>{VERDICT_TEXT[v.verdict]}</strong>, <When at={v.createdAt} />
              {v.note ? ` — “${v.note}”` : ""}
            </li>
          ))}
        </ul>
      )}
      <h2>Your answers</h2>
      <ChecklistSummary value={values} />
      {values.note && <p>Your note: “{values.note}”</p>}
      <h2>What happens next</h2>
      <p>
        Once you approve, Custodian collects and packages this data within minutes. {r.agencyName}'s officer is told the
        production is ready and may download it once. The approval, with your answers, is recorded in the audit trail.
      </p>
      <form method="post" action={`/desk/requests/${r.id}/review`} class="card">
        <CsrfField token={csrf} />
        {Object.entries(values).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <button type="submit" name="confirm" value="yes">
          Approve and disclose
        </button>{" "}
        <button type="submit" name="confirm" value="change" class="secondary">
          Go back and change the answers
        </button>
      </form>
    </Layout>
  );
}
