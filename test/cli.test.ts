import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Decision } from "../src/policy/engine.js";

/** The `custodian` command as a person runs it: a real process, its exit code, stdout and stderr. */

const ROOT = new URL("..", import.meta.url).pathname;
const PRESETS = readdirSync(join(ROOT, "policies/presets")).filter((f) => f.endsWith(".yaml"));
const EXAMPLES = readdirSync(join(ROOT, "examples/requests")).filter((f) => f.endsWith(".json"));

const { DATABASE_URL: _server, ...withoutServer } = process.env;

function custodian(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    // Commands that open a database use a scratch PGlite directory (--data), never the suite's server.
    env: { ...withoutServer, CUSTODIAN_DEBUG: "" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The demo uses its embedded database, whatever the test run points at. */
function withoutDatabaseUrl(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return env;
}

const scratch = mkdtempSync(join(tmpdir(), "custodian-cli-"));
function file(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

const validRequest = JSON.parse(readFileSync(join(ROOT, "examples/requests/us-subpoena.json"), "utf8"));

describe("the built command", () => {
  // npm ci builds dist/ (the prepare script). Once a test run has written to node_modules (vitest's cache),
  // npx no longer wraps the project's own bin and runs the file itself: it must be executable.
  it("runs as a program of its own, by its shebang", () => {
    const result = spawnSync(join(ROOT, "dist/cli/main.js"), ["--help"], { cwd: ROOT, encoding: "utf8" });
    expect(result.error, "dist/cli/main.js is missing or not executable: run npm run build").toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: custodian <command>/);
  });
});

describe("custodian evaluate", () => {
  it("prints the decision JSON of the contract and exits 0", () => {
    const run = custodian([
      "evaluate",
      "--policy",
      "policies/presets/telegram.yaml",
      "--request",
      "examples/requests/hk-terror-court-order.json",
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const decision = JSON.parse(run.stdout) as Decision;
    expect(Object.keys(decision).sort()).toEqual([
      "humanRightsReview",
      "items",
      "needsReview",
      "outcome",
      "policy",
      "reviewReasons",
    ]);
    expect(decision.outcome).toBe("hold");
    expect(decision.policy).toEqual({ name: "Telegram", version: "2020-07-06" });
    expect(decision.items).toHaveLength(3);
    for (const item of decision.items) {
      expect(Object.keys(item).sort()).toEqual(["action", "category", "reason", "rule", "target"]);
      expect(item).toMatchObject({ target: "phone:+85291234567", action: "hold", rule: "jurisdictions.HK" });
    }
  });

  it("answers under every preset (the full example × preset matrix runs in-process in presets.test.ts)", () => {
    PRESETS.forEach((preset, index) => {
      const example = EXAMPLES[index % EXAMPLES.length] as string;
      const run = custodian([
        "evaluate",
        "--policy",
        `policies/presets/${preset}`,
        "--request",
        `examples/requests/${example}`,
      ]);
      expect(run.status, `${preset} × ${example}: ${run.stderr}`).toBe(0);
      const decision = JSON.parse(run.stdout) as Decision;
      const request = JSON.parse(readFileSync(join(ROOT, "examples/requests", example), "utf8"));
      expect(decision.items).toHaveLength(request.targets.length * request.categories.length);
    });
  }, 60_000);

  it("--explain prints a table a person can read", () => {
    const run = custodian([
      "evaluate",
      "--explain",
      "--policy",
      "policies/presets/facebook.yaml",
      "--request",
      "examples/requests/us-search-warrant.json",
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Outcome: {2}comply_full$/m);
    expect(run.stdout).toMatch(/^Target account_id:1002993841$/m);
    expect(run.stdout).toMatch(/content\.messages +disclose +search_warrant unlocks account contents/);
    expect(run.stdout).toMatch(/content disclosure needs counsel approval/);
  });

  it("reads the request from standard input with --request -", () => {
    const run = custodian(
      ["evaluate", "--policy", "policies/presets/facebook.yaml", "--request", "-"],
      JSON.stringify(validRequest),
    );
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as Decision).outcome).toBe("comply_partial");
  });

  const badInputs: Array<[string, () => string[], RegExp]> = [
    [
      "an empty target list and an unknown category",
      () => [
        "--policy",
        "policies/example.yaml",
        "--request",
        file("bad.json", JSON.stringify({ ...validRequest, targets: [], categories: ["content.thoughts"] })),
      ],
      /^custodian: \S+bad\.json: targets: must not be empty \(and 1 more: categories\[0\]: unknown category "content\.thoughts"\)\n$/,
    ],
    [
      "an unknown field",
      () => [
        "--policy",
        "policies/example.yaml",
        "--request",
        file("extra.json", JSON.stringify({ ...validRequest, priority: "high" })),
      ],
      /^custodian: \S+extra\.json: priority: unknown field\n$/,
    ],
    [
      "a request that is not JSON",
      () => ["--policy", "policies/example.yaml", "--request", file("broken.json", "{ not json")],
      /^custodian: \S+broken\.json: not valid JSON: .+\n$/,
    ],
    [
      "a policy naming an unknown tier",
      () => [
        "--policy",
        file("tier.yaml", 'policy: 1\nname: X\nversion: "1"\ndataMap: {}\nlegalProcess:\n  secrets: [subpoena]\n'),
        "--request",
        "examples/requests/us-subpoena.json",
      ],
      /^custodian: \S+tier\.yaml: legalProcess\.secrets: unknown tier "secrets" \(one of: subscriber, records, content\)\n$/,
    ],
    [
      "a policy naming an unknown jurisdiction",
      () => [
        "--policy",
        file(
          "zz.yaml",
          'policy: 1\nname: X\nversion: "1"\ndataMap: {}\nlegalProcess: {}\njurisdictions:\n  ZZ: { status: paused }\n',
        ),
        "--request",
        "examples/requests/us-subpoena.json",
      ],
      /^custodian: \S+zz\.yaml: jurisdictions\.ZZ: unknown country code "ZZ"\n$/,
    ],
    [
      "a policy that is not YAML",
      () => [
        "--policy",
        file("broken.yaml", "policy: [1\nname: x\n"),
        "--request",
        "examples/requests/us-subpoena.json",
      ],
      /^custodian: \S+broken\.yaml: line \d+, column \d+: not valid YAML: .+\n$/,
    ],
    [
      "a missing file",
      () => ["--policy", "policies/nope.yaml", "--request", "examples/requests/us-subpoena.json"],
      /^custodian: policies\/nope\.yaml: cannot read policy file: no such file\n$/,
    ],
    [
      "a missing option",
      () => ["--policy", "policies/example.yaml"],
      /^custodian: evaluate: --request FILE is required\n$/,
    ],
    [
      "an unknown option",
      () => ["--policy", "policies/example.yaml", "--requets", "x"],
      /^custodian: evaluate: Unknown option '--requets'.*\n$/,
    ],
  ];

  for (const [name, args, message] of badInputs) {
    it(`on ${name}, prints one line naming the file and field and exits 2`, () => {
      const run = custodian(["evaluate", ...args()]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
    });
  }
});

describe("custodian", () => {
  it("demo shows the engine's tour, then serves demo data and prints sign-ins that work", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "custodian-demo-"));
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "demo", "--port", "0"], {
      cwd: ROOT,
      env: { ...withoutDatabaseUrl(), CUSTODIAN_DATA_DIR: dataDir, CUSTODIAN_DEMO_SCALE: "0.02" },
    });
    try {
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const deadline = Date.now() + 400_000;
      // Sign-ins come first; the report is whole once the history the demo records beside the server is.
      while (!stdout.includes("history: all") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(stdout).toMatch(/HKPF-2020-0712-0042 +HK +court_order +hold/);
      for (const company of ["facebook", "google", "signal", "telegram", "twitter", "whatsapp"]) {
        expect(stdout).toMatch(new RegExp(`^ +${company} +hold `, "m"));
      }
      const url = stdout.match(/Custodian demo at (http:\/\/\S+)/)?.[1];
      const admin = stdout.match(/^ +admin +(\S+) +(\S+) +([A-Z2-7]{32}) +(\d{6})$/m);
      expect(url).toBeDefined();
      expect(admin).not.toBeNull();
      const [, email, password, , code] = admin as RegExpMatchArray;
      const signIn = await fetch(`${url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password, code }),
      });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
      const outbox = await fetch(`${url}/api/v1/outbox`, { headers: { cookie } });
      expect(outbox.status).toBe(200);
      const { items } = (await outbox.json()) as { items: Array<{ purpose: string }> };
      expect(items.some((m) => m.purpose === "officer.confirm_email")).toBe(true);
      const report = await fetch(`${url}/api/v1/reports/2020H2`);
      const { rows } = (await report.json()) as { rows: Array<{ jurisdiction: string; requests_held: number }> };
      expect(rows.some((r) => r.jurisdiction === "HK" && r.requests_held > 0)).toBe(true);
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    }
  }, 450_000);

  it("staff add makes a pending account and prints its one-time setup link, never a password", () => {
    const data = join(scratch, "staff");
    const made = custodian([
      "staff",
      "add",
      "--email",
      "First.Admin@provider.example",
      "--name",
      "First",
      "--role",
      "admin",
      "--data",
      data,
    ]);
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^first\.admin@provider\.example \(admin\) made, pending/);
    expect(made.stdout).toMatch(/^ {2}http:\/\/127\.0\.0\.1:4000\/setup\/[\w-]{43}$/m);
    expect(made.stdout).not.toMatch(/password:|secret/i);
    const again = custodian([
      "staff",
      "add",
      "--email",
      "first.admin@provider.example",
      "--name",
      "First",
      "--role",
      "admin",
      "--data",
      data,
    ]);
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe("custodian: an account for first.admin@provider.example exists");
    const bad = custodian(["staff", "add", "--email", "first@provider.example", "--name", "First", "--data", data]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--role is required");
  });

  it("refuses an unknown command with exit 2, suggesting the nearest one when there is one", () => {
    const run = custodian(["evaluat"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('custodian: unknown command "evaluat"; did you mean "evaluate"? (try: custodian help)\n');
    const far = custodian(["xyzzy"]);
    expect(far.status).toBe(2);
    expect(far.stderr).toBe('custodian: unknown command "xyzzy" (try: custodian help)\n');
  });

  it("answers `custodian <command> --help` for every command with that command's usage, exit 0", () => {
    const help = custodian(["help"]).stdout;
    const commands = [...help.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1] as string);
    expect(new Set(commands)).toEqual(
      new Set(
        ["evaluate", "demo", "serve", "totp", "migrate", "policy", "staff", "jurisdiction", "audit", "report"].concat([
          "import",
          "backup",
          "restore",
          "jobs",
          "fulfil",
          "package",
          "keys",
          "canary",
          "help",
        ]),
      ),
    );
    for (const command of new Set(commands)) {
      // Options a command would refuse (and the --data it would open) come before --help and change nothing.
      const run = custodian([command, "--bogus", "--help"]);
      expect(run.status, `${command} --help`).toBe(0);
      expect(run.stderr).toBe("");
      expect(run.stdout).toMatch(new RegExp(`^Usage: custodian ${command} …\\n\\n {2}${command}\\b`));
      expect(run.stdout).not.toContain("Commands:");
    }
    expect(custodian(["report", "-h"]).stdout).toContain("--period 2025|2025H2|2025Q3");
    expect(custodian(["report", "publish", "--help"]).stdout).toContain(
      "report publish --period 2025|2025H2|2025Q3 [--note TEXT]",
    );
    expect(custodian(["help", "audit"]).stdout).toContain("audit verify [--against FILE]");
    // Twenty processes, each loading TypeScript through tsx: seconds apiece on a loaded two-core machine.
  }, 180_000);

  it("prints its version", () => {
    const run = custodian(["--version"]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });
});

describe("custodian import and report", () => {
  const data = join(scratch, "reports-data");

  it("imports the example ledger, then reports a half-year in every format, a year and a quarter", () => {
    const imported = custodian(["import", "examples/ledger.csv", "--data", data]);
    expect(imported.stderr).toBe("");
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(
      /^imported 8 request\(s\) from examples\/ledger\.csv \(sha256 [0-9a-f]{64}\), 4 new/,
    );

    const csv = custodian(["report", "--period", "2019H1", "--data", data]);
    expect(csv.status).toBe(0);
    expect(csv.stdout).toBe(
      "period,jurisdiction,process,requests,accounts_specified,requests_with_data_produced,percent_with_data_produced,requests_held,requests_rejected,requests_no_data\r\n" +
        "2019H1,GB,court_order,1,2,1,100.0,0,0,0\r\n" +
        "2019H1,GB,informal,1,3,0,0.0,0,1,0\r\n" +
        "2019H1,GB,search_warrant,1,1,1,100.0,0,0,0\r\n",
    );
    const google = custodian(["report", "--period", "2019H1", "--format", "google-csv", "--data", data]);
    expect(google.stdout.split("\r\n")[1]).toBe("2019-06-30,United Kingdom,GB,Other Court Orders,1,100,2");
    const html = custodian(["report", "--period", "2019H1", "--format", "html", "--data", data]);
    expect(html.status).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<svg role="img" aria-label="United Kingdom (GB)');
    // A year and a quarter (the rollup's sums over quarters are tested in src/reports/; here, the edge).
    const year = custodian(["report", "--period", "2019", "--format", "json", "--data", data]);
    expect(year.status).toBe(0);
    const document = JSON.parse(year.stdout) as { period: string; rows: Array<{ period: string }> };
    expect(document.period).toBe("2019");
    expect(document.rows.length).toBeGreaterThan(0);
    expect(document.rows.every((r) => r.period === "2019")).toBe(true);
    // The DSA's template for the year: the example ledger's orders from Member States, by category.
    const dsa = custodian(["report", "--period", "2019", "--format", "dsa-csv", "--data", data]);
    expect(dsa.stderr).toBe("");
    expect(dsa.stdout.split("\r\n")[0]).toMatch(/^Applicability,Service,Reporting period,Category of illegal content,/);
    expect(dsa.stdout.split("\r\n")[1]).toMatch(/^All,.*,2019-01-01\/2019-12-31,TOTAL,,TOTAL,,,,,\d+,/);
    const quarter = custodian(["report", "--period", "2019Q1", "--data", data]);
    expect(quarter.status).toBe(0);
    expect(
      quarter.stdout
        .split("\r\n")
        .slice(1, -1)
        .every((line) => line.startsWith("2019Q1,")),
    ).toBe(true);
    // Seven processes, each loading TypeScript through tsx: seconds apiece on a loaded two-core machine.
  }, 240_000);

  it("publishes a period's report as numbered versions, a correction only with a note and a change", () => {
    const first = custodian(["report", "publish", "--period", "2019H1", "--data", data]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^2019H1 published as version 1 \(sha256 [0-9a-f]{64}\)\n$/);
    const noNote = custodian(["report", "publish", "--period", "2019H1", "--data", data]);
    expect(noNote.status).not.toBe(0);
    expect(noNote.stderr).toContain("a correction must say what changed and why");
    const nothing = custodian(["report", "publish", "--period", "2019H1", "--note", "recount", "--data", data]);
    expect(nothing.status).not.toBe(0);
    expect(nothing.stderr).toContain("are those of version 1; nothing to correct");
  }, 120_000);

  it("refuses a bad period, format or ledger with one line and exit 2, importing nothing", () => {
    const period = custodian(["report", "--period", "2020H3", "--data", data]);
    expect(period.status).toBe(2);
    expect(period.stderr).toBe(
      'custodian: report: --period must be a year, half-year or quarter like 2025, 2025H2 or 2025Q3 (four-digit year) (got "2020H3")\n',
    );
    const dsaHalf = custodian(["report", "--period", "2020H2", "--format", "dsa-csv"]);
    expect(dsaHalf.status).toBe(2);
    expect(dsaHalf.stderr).toBe(
      "custodian: report: --format dsa-csv is for a calendar year (--period 2025), not 2020H2\n",
    );
    const format = custodian(["report", "--period", "2020H2", "--format", "xml"]);
    expect(format.status).toBe(2);
    expect(format.stderr).toMatch(/--format must be one of csv, json, html, google-csv/);
    const ledger = file(
      "bad-ledger.csv",
      "reference,received_at,jurisdiction,agency,process,accounts_specified,categories,outcome\n" +
        "X-1,2020-01-01,DE,BKA,court_order,1,subscriber.name,produced\n" +
        "X-2,2020-01-02,DE,BKA,court_order,one,subscriber.name,produced\n",
    );
    const bad = custodian(["import", ledger, "--data", data]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /^custodian: \S+bad-ledger\.csv: line 3: accounts_specified: must be a whole number of accounts \(0 to 9999999\)\n$/,
    );
    const after = custodian(["report", "--period", "2020H1", "--data", data]);
    expect(after.stdout).not.toContain("DE");
  });
});
