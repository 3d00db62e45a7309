import { z } from "zod";
import { sha256Hex } from "../../audit/canonical.js";
import { may, type Principal } from "../../authz/authz.js";
import { type App, type AppContext, principalOf } from "../../http/context.js";
import { pageCsrf } from "../../http/session.js";
import { lineOfPath } from "../../policy/policy.load.js";
import { type PolicyPreview, previewPolicy } from "../../policy/policy.preview.js";
import { activatePolicy, activePolicySummary, type PolicySummary } from "../../policy/policy.store.js";
import { conflict } from "../../shared/errors.js";
import { type Problem, ValidationError } from "../../shared/validation.js";
import { readMultipartForm } from "../forms.js";
import { CsrfField, ErrorSummary, Layout, When } from "../layout.js";
import { noticeText } from "../notices.js";
import { seeOther, sendPage } from "../render.js";
import { ScrollBox } from "../table.js";
import { csrfField, noticeQuery } from "./admin.forms.js";
import { lineDiff } from "./line-diff.js";

/** The policy: the one in force, a new one checked and compared with every open request, then activated. */

/** An uploaded policy: its problems, or what it would change. */
export interface PolicyCandidate {
  text: string;
  problems: Problem[];
  preview?: PolicyPreview;
}

export function PolicyView({
  principal,
  csrf,
  notice,
  active,
  candidate,
}: {
  principal: Principal;
  csrf: string | undefined;
  notice: string | undefined;
  active: PolicySummary | undefined;
  candidate: PolicyCandidate | undefined;
}) {
  const canActivate = may(principal, "policy.activate");
  return (
    <Layout title="Policy" principal={principal} csrf={csrf} current="/admin/policy" notice={notice}>
      <h1>Policy</h1>
      {active ? (
        <p>
          In force: <strong>{active.name}</strong> version <strong>{active.version}</strong>, activated{" "}
          <When at={active.activatedAt} /> <span class="muted mono">SHA-256 {active.sha256}</span>
        </p>
      ) : (
        <p class="warning">No policy is active: requests cannot be decided.</p>
      )}
      {candidate && (
        <section aria-labelledby="candidate-h" class="card">
          <h2 id="candidate-h">The uploaded policy</h2>
          {/* Each problem at its line of the text as uploaded, then the field it concerns. */}
          <ErrorSummary
            problems={candidate.problems}
            named={(p) => {
              const line = p.path && !p.path.startsWith("line ") ? lineOfPath(candidate.text, p.path) : undefined;
              return line ? `Line ${line}, ${p.path}` : p.path;
            }}
          />
          {candidate.preview && (
            <>
              <p role="status">
                Valid: <strong>{candidate.preview.name}</strong> version <strong>{candidate.preview.version}</strong>.{" "}
                {candidate.preview.compared} open requests compared; <strong>{candidate.preview.changes.length}</strong>{" "}
                would be decided differently.
              </p>
              {active && <PolicyDiff before={active.document} after={candidate.text} />}
              {candidate.preview.changes.length > 0 && (
                <table>
                  <caption>Open requests that would be decided differently</caption>
                  <thead>
                    <tr>
                      <th scope="col">Request</th>
                      <th scope="col">Jurisdiction</th>
                      <th scope="col">Process</th>
                      <th scope="col">Status</th>
                      <th scope="col">Now</th>
                      <th scope="col">Under the new policy</th>
                      <th scope="col">Items that change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {candidate.preview.changes.slice(0, 500).map((c) => (
                      <tr key={c.requestId}>
                        <th scope="row">
                          <a href={`/desk/requests/${c.requestId}`}>{c.reference}</a>
                        </th>
                        <td>{c.jurisdiction}</td>
                        <td>{c.process}</td>
                        <td>{c.status}</td>
                        <td>{c.before}</td>
                        <td>
                          <strong>{c.after}</strong>
                        </td>
                        <td>
                          <ul class="compact">
                            {c.items.slice(0, 20).map((i) => (
                              <li key={i}>{i}</li>
                            ))}
                            {c.items.length > 20 && <li>… {c.items.length - 20} more</li>}
                          </ul>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {canActivate && (
                <form method="post" action="/admin/policy/activate">
                  <CsrfField token={csrf} />
                  <input type="hidden" name="sha256" value={sha256Hex(candidate.text)} />
                  <div class="field">
                    <label for="f-activate-doc">The document that will be activated</label>
                    <textarea id="f-activate-doc" name="document" rows={8} readOnly class="mono">
                      {candidate.text}
                    </textarea>
                  </div>
                  <button type="submit">
                    Activate {candidate.preview.name} {candidate.preview.version}
                  </button>
                </form>
              )}
            </>
          )}
        </section>
      )}
      {canActivate && (
        <form method="post" action="/admin/policy/preview" enctype="multipart/form-data" class="card">
          <CsrfField token={csrf} />
          <fieldset>
            <legend>Upload a new policy (YAML, in the format of the one in force)</legend>
            <div class="field">
              <label for="f-policy-file">Policy file</label>
              <input id="f-policy-file" name="file" type="file" accept=".yaml,.yml,text/yaml" />
            </div>
            <div class="field">
              <label for="f-policy-text">…or paste it</label>
              <textarea id="f-policy-text" name="document" rows={6} class="mono">
                {candidate && candidate.problems.length > 0 ? candidate.text : ""}
              </textarea>
            </div>
            <p class="hint">
              It is validated and compared with every open request; nothing changes until you activate it.
            </p>
            <button type="submit">Check and preview</button>
          </fieldset>
        </form>
      )}
      {active && (
        <details>
          <summary>The policy in force</summary>
          <pre class="policy">{active.document}</pre>
        </details>
      )}
    </Layout>
  );
}

/** The uploaded policy against the one in force, line by line: the edit itself, before its effects. */
function PolicyDiff({ before, after }: { before: string; after: string }) {
  const diff = lineDiff(before, after);
  if (!diff) return <p class="muted">The documents are too long to compare line by line here.</p>;
  const changed = diff.filter((l) => l.kind === "added" || l.kind === "removed").length;
  return (
    <section aria-labelledby="diff-h">
      <h3 id="diff-h">What the upload changes in the policy in force</h3>
      {changed === 0 ? (
        <p>The uploaded document is the same as the policy in force.</p>
      ) : (
        <ScrollBox label="Lines removed (−) and added (+), numbered as in the upload">
          <pre class="policy diff">
            {diff.map((l, k) =>
              l.kind === "gap" ? (
                <span key={k} class="muted">
                  {"…\n"}
                </span>
              ) : (
                <span key={k} class={`diff-${l.kind}`}>
                  {`${l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "} ${String(l.line).padStart(4)}  ${l.text}\n`}
                </span>
              ),
            )}
          </pre>
        </ScrollBox>
      )}
    </section>
  );
}

export async function policyPages(app: App, { db, config, now }: AppContext): Promise<void> {
  const PolicyPage = async (
    principal: Principal,
    csrf: string | undefined,
    notice: string | undefined,
    candidate?: PolicyCandidate,
  ) => (
    <PolicyView
      principal={principal}
      csrf={csrf}
      notice={notice}
      active={await activePolicySummary(db, principal)}
      candidate={candidate}
    />
  );

  app.get(
    "/admin/policy",
    { config: { access: "policy.read", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) =>
      sendPage(reply, await PolicyPage(principalOf(request), pageCsrf(request), noticeText(request.query.notice))),
  );

  app.post(
    "/admin/policy/preview",
    { config: { access: "policy.activate", page: true }, schema: { hide: true } },
    async (request, reply) => {
      const { fields, uploads } = await readMultipartForm(request, config.maxUploadBytes);
      const text = uploads[0]?.content.toString("utf8") ?? fields.document?.[0] ?? "";
      const principal = principalOf(request);
      if (text.trim() === "") {
        const page = await PolicyPage(principal, pageCsrf(request), undefined, {
          text,
          problems: [{ path: "file", message: "choose a policy file or paste one" }],
        });
        return sendPage(reply, page, 400);
      }
      try {
        const preview = await previewPolicy(db, text);
        return sendPage(
          reply,
          await PolicyPage(principal, pageCsrf(request), undefined, { text, problems: [], preview }),
        );
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const page = await PolicyPage(principal, pageCsrf(request), undefined, { text, problems: error.problems });
        return sendPage(reply, page, 400);
      }
    },
  );

  app.post(
    "/admin/policy/activate",
    {
      config: { access: "policy.activate", page: true },
      schema: {
        hide: true,
        body: z.strictObject({
          ...csrfField,
          document: z.string().min(1).max(1_000_000),
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
        }),
      },
    },
    async (request, reply) => {
      // Browsers send a textarea's line breaks as CRLF; the policy is kept as it was previewed.
      const text = request.body.document.replace(/\r\n/g, "\n");
      if (sha256Hex(text) !== request.body.sha256) {
        throw conflict("the document is not the one that was previewed; preview it again");
      }
      await db.transaction().execute((tx) => activatePolicy(tx, text, principalOf(request), now(), "policy"));
      return seeOther(reply, "/admin/policy?notice=activated");
    },
  );
}
