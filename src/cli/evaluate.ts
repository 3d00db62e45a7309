import { decide } from "../policy/engine.js";
import { explainDecision } from "../policy/explain.js";
import { parseCommandArgs, requireOption, UsageError } from "./args.js";
import { readPolicyFile, readRequestFile } from "./input.js";

/**
 * `custodian evaluate`: the what-if tool. `agency.verified` and `emergency.verified` are taken from
 * the file as given (over HTTP Custodian sets them from its own records instead).
 */
export function runEvaluate(args: string[]): number {
  const { values } = parseCommandArgs("evaluate", args, {
    policy: { type: "string" },
    request: { type: "string" },
    explain: { type: "boolean", default: false },
  });
  const policyPath = requireOption("evaluate", "policy", values.policy);
  const requestPath = requireOption("evaluate", "request", values.request);
  if (policyPath === "-" && requestPath === "-") {
    throw new UsageError("evaluate: only one of --policy and --request can be read from standard input");
  }
  const policy = readPolicyFile(policyPath);
  const request = readRequestFile(requestPath);
  const decision = decide(request, policy);
  process.stdout.write(
    values.explain
      ? explainDecision(decision, { width: process.stdout.columns || 100 })
      : `${JSON.stringify(decision, null, 2)}\n`,
  );
  return 0;
}
