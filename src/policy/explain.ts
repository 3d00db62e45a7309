import type { Decision, DecisionItem } from "./engine.js";

/**
 * A decision as a person reads it: one block per target, one line per category, the action first.
 * Pure: takes the decision, returns text. Width-limited so it reads in an 80–120 column terminal.
 */
export function explainDecision(decision: Decision, options: { width?: number } = {}): string {
  const width = Math.max(60, options.width ?? 100);
  const lines: string[] = [];
  lines.push(`Outcome:  ${decision.outcome}`);
  lines.push(`Policy:   ${decision.policy.name} ${decision.policy.version}`);
  if (decision.needsReview) {
    lines.push("Review:   needed before anything leaves");
    for (const reason of decision.reviewReasons) lines.push(`          - ${reason}`);
  } else {
    lines.push("Review:   not required by policy");
  }

  const byTarget = new Map<string, DecisionItem[]>();
  for (const item of decision.items) {
    const list = byTarget.get(item.target);
    if (list) list.push(item);
    else byTarget.set(item.target, [item]);
  }

  const categoryWidth = Math.max(8, ...decision.items.map((i) => i.category.length));
  const actionWidth = Math.max(6, ...decision.items.map((i) => i.action.length));
  const indent = 2 + categoryWidth + 2 + actionWidth + 2;
  const reasonWidth = Math.max(30, width - indent);

  for (const [target, items] of byTarget) {
    lines.push("");
    lines.push(`Target ${target}`);
    lines.push(`  ${"category".padEnd(categoryWidth)}  ${"action".padEnd(actionWidth)}  why`);
    for (const item of items) {
      const why = wrap(`${item.reason} [${item.rule}]`, reasonWidth);
      lines.push(`  ${item.category.padEnd(categoryWidth)}  ${item.action.padEnd(actionWidth)}  ${why[0] ?? ""}`);
      for (const more of why.slice(1)) lines.push(`${" ".repeat(indent)}${more}`);
    }
  }

  const counts = new Map<string, number>();
  for (const item of decision.items) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  lines.push("");
  lines.push(
    `Items:    ${[...counts].map(([action, n]) => `${n} ${action}`).join(", ")} (${decision.items.length} in all)`,
  );
  return `${lines.join("\n")}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out;
}
