import type { ComponentChildren } from "preact";
import type { Principal } from "../authz/authz.js";
import type { FormFailure } from "./forms.js";
import { CsrfField, FormErrors } from "./layout.js";

/**
 * The desk's tables of things to work through (the queue, the proposals waiting for a second admin): one
 * shape, so each has a caption, column headers, a row header and an empty state that says what to do,
 * and the approve / reject form of a two-admin proposal is written once.
 */

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  /** The cell that names the row (a `th scope=row`): one per table. */
  rowHeader?: boolean;
  class?: string;
}

export function WorkTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  rowClass,
  empty,
  class: className,
}: {
  caption: ComponentChildren;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  rowClass?: (row: T) => string | undefined;
  /** What an empty table says, with the way out (clear the filters, another view). */
  empty: ComponentChildren;
  class?: string;
}) {
  return (
    <div class="table-scroll">
      <table class={className}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" class={c.class}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length}>{empty}</td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)} class={rowClass?.(row)}>
              {columns.map((c) =>
                c.rowHeader ? (
                  <th key={c.header} scope="row" class={c.class}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.header} class={c.class}>
                    {c.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Approve or reject a change another admin proposed. The proposer is offered no Approve (the second admin
 * must be someone else), only Reject, with a word on whom it waits for.
 */
export function SecondAdminDecision({
  action,
  form,
  csrf,
  failure,
  proposedBy,
  principal,
  confirmHref,
}: {
  action: string;
  form: string;
  csrf: string | undefined;
  failure: FormFailure | undefined;
  proposedBy: string;
  principal: Principal;
  /** A change that takes something away is approved on a page of its own that names its effect. */
  confirmHref?: string | undefined;
}) {
  return (
    <form method="post" action={action} class="inline-form">
      <CsrfField token={csrf} />
      <FormErrors form={form} failure={failure} fields={[]} />
      {proposedBy === principal.email ? (
        <span class="muted">waiting for a second admin </span>
      ) : confirmHref ? (
        <a class="button small" href={confirmHref}>
          Approve…
        </a>
      ) : (
        <button type="submit" name="decision" value="approve">
          Approve
        </button>
      )}
      <button type="submit" name="decision" value="reject" class="secondary">
        Reject
      </button>
    </form>
  );
}

/**
 * A table that may be wider than a phone, scrolling in a box of its own instead of widening the page. The
 * box can take focus (and is named), so a keyboard user can scroll it too.
 */
export function ScrollBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
