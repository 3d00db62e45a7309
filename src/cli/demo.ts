import { readdirSync } from "node:fs";
import { basename } from "node:path";
import { type Decision, decide } from "../policy/engine.js";
import { packagePath } from "../shared/package.js";
import { readPolicyFile, readRequestFile } from "./input.js";

/**
 * `custodian demo`: what this version of Custodian does, on the files shipped with it. The example
 * policy (policies/example.yaml) decides every example request, then the eight seed presets decide the
 * request that started it all: a Hong Kong Police court order of 12 July 2020 naming a terror suspect.
 */
export function engineTour(): string {
  const out: string[] = [];
  const policyFile = packagePath("policies/example.yaml");
  const policy = readPolicyFile(policyFile);
  const requestDir = packagePath("examples/requests");
  const requestFiles = readdirSync(requestDir)
    .filter((name) => name.endsWith(".json"))
    .sort();

  out.push(`Custodian demo: ${policy.name} policy, version ${policy.version} (policies/example.yaml)`);
  out.push("");
  out.push(row(["request", "from", "process", "outcome", "items", "review"]));
  for (const name of requestFiles) {
    const request = readRequestFile(`${requestDir}/${name}`);
    const decision = decide(request, policy);
    out.push(
      row([
        request.reference,
        request.jurisdiction,
        request.process,
        decision.outcome,
        summarize(decision),
        decision.needsReview ? "counsel" : "-",
      ]),
    );
  }

  const hk = readRequestFile(`${requestDir}/hk-terror-court-order.json`);
  out.push("");
  out.push(`${hk.reference} (${hk.jurisdiction}, ${hk.process} naming a terrorism suspect) under each seed preset:`);
  const presetDir = packagePath("policies/presets");
  for (const name of readdirSync(presetDir).sort()) {
    if (!name.endsWith(".yaml")) continue;
    const preset = readPolicyFile(`${presetDir}/${name}`);
    const decision = decide(hk, preset);
    out.push(row([basename(name, ".yaml"), decision.outcome, summarize(decision)], PRESET_COLUMNS));
  }

  out.push("");
  out.push("Ask why, item by item:");
  out.push("  npx custodian evaluate --explain --policy policies/presets/telegram.yaml \\");
  out.push("      --request examples/requests/hk-terror-court-order.json");
  out.push("Write your own request (docs/request.md) or policy (docs/policy.md) and evaluate it the same way.");
  return `${out.join("\n")}\n`;
}

function summarize(decision: Decision): string {
  const counts = new Map<string, number>();
  for (const item of decision.items) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => `${n} ${action}`).join(", ");
}

const REQUEST_COLUMNS = [22, 7, 15, 15, 34, 7];
const PRESET_COLUMNS = [22, 15, 34];

function row(cells: string[], widths = REQUEST_COLUMNS): string {
  return `  ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" ")}`.trimEnd();
}
