import { describe, expect, it } from "vitest";
import { exampleRequestFiles, readRepoFile } from "../../test/policy-fixtures.js";
import { ValidationError } from "../shared/validation.js";
import { parseRequestDocument, targetKey } from "./request.schema.js";

// biome-ignore lint/suspicious/noExplicitAny: test inputs are deliberately malformed JSON.
type Json = Record<string, any>;

/** The example request of docs/request.md, with `agency.verified` as a what-if file may set it. */
function docsRequestJson(): Json {
  return {
    reference: "HKPF-2020-0712-0042",
    receivedAt: "2020-07-12T09:30:00Z",
    jurisdiction: "HK",
    agency: { name: "Hong Kong Police Force", email: "officer@police.gov.hk", verified: true },
    process: "court_order",
    issuedBy: "High Court of the HKSAR",
    findings: ["terrorism_suspect"],
    emergency: null,
    targets: [{ type: "phone", value: "+85291234567" }],
    categories: ["subscriber.phone", "subscriber.ip_address", "content.messages"],
    dateRange: { from: "2020-06-01", to: "2020-07-01" },
    nonDisclosure: { until: "2021-01-01" },
    documents: [{ name: "order.pdf", sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }],
  };
}

/** The ValidationError a call throws (failing the test if it throws something else, or nothing). */
function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError, but nothing was thrown");
}

/** The docs example with one change applied. */
function variant(change: (request: Json) => void): Json {
  const request = docsRequestJson() as Json;
  change(request);
  return request;
}

function problemsOf(input: unknown) {
  return validationErrorOf(() => parseRequestDocument(input)).problems;
}

/** Assert the input is rejected with exactly one problem, at `path`, saying `message`. */
function expectSingleProblem(input: unknown, path: string, message: string) {
  const error = validationErrorOf(() => parseRequestDocument(input));
  expect(error).toBeInstanceOf(ValidationError);
  expect(error.code).toBe("validation_failed");
  expect(error.problems).toEqual([{ path, message }]);
  expect(error.message).toBe(`${path}: ${message}`);
}

describe("request document (docs/request.md)", () => {
  it("parses the docs/request.md example unchanged", () => {
    const input = docsRequestJson();
    const parsed = parseRequestDocument(input);
    expect(parsed).toEqual(input);
    expect(parsed.agency.verified).toBe(true);
    expect(parsed.targets.map(targetKey)).toEqual(["phone:+85291234567"]);
  });

  it("parses a minimal request and fills the defaults", () => {
    const input = variant((r) => {
      delete r.findings;
      delete r.documents;
      delete r.agency.verified;
      delete r.issuedBy;
      delete r.emergency;
      delete r.dateRange;
      delete r.nonDisclosure;
    });
    const parsed = parseRequestDocument(input);
    expect(parsed.findings).toEqual([]);
    expect(parsed.documents).toEqual([]);
    expect(parsed.agency.verified).toBe(false);
    expect(parsed.emergency).toBeUndefined();
  });

  it("defaults emergency.verified to false", () => {
    const parsed = parseRequestDocument(
      variant((r) => {
        r.process = "emergency";
        r.emergency = { justification: "a hostage situation" };
      }),
    );
    expect(parsed.emergency).toEqual({ justification: "a hostage situation", verified: false });
  });

  it("accepts a subdivision and a time-zone offset", () => {
    const parsed = parseRequestDocument(
      variant((r) => {
        r.jurisdiction = "US-CA";
        r.receivedAt = "2020-07-12T17:30:00+08:00";
      }),
    );
    expect(parsed.jurisdiction).toBe("US-CA");
  });

  it.each(exampleRequestFiles())("parses examples/requests/%s", (file) => {
    const parsed = parseRequestDocument(JSON.parse(readRepoFile(`examples/requests/${file}`)), file);
    expect(parsed.targets.length).toBeGreaterThan(0);
    expect(parsed.categories.length).toBeGreaterThan(0);
  });

  it("does not modify its input", () => {
    const input = variant((r) => {
      delete r.findings;
      delete r.agency.verified;
    });
    const before = structuredClone(input);
    parseRequestDocument(input);
    expect(input).toEqual(before);
  });

  describe("rejects, naming the field and why", () => {
    it("empty targets", () => {
      expectSingleProblem(
        variant((r) => {
          r.targets = [];
        }),
        "targets",
        "must not be empty",
      );
    });

    it("empty categories", () => {
      expectSingleProblem(
        variant((r) => {
          r.categories = [];
        }),
        "categories",
        "must not be empty",
      );
    });

    it("an unknown category, by index and name", () => {
      expectSingleProblem(
        variant((r) => {
          r.categories = ["subscriber.phone", "content.thoughts"];
        }),
        "categories[1]",
        'unknown category "content.thoughts"',
      );
    });

    it("an unknown top-level field", () => {
      expectSingleProblem(
        variant((r) => {
          r.priority = "high";
        }),
        "priority",
        "unknown field",
      );
    });

    it("an unknown nested field in agency", () => {
      expectSingleProblem(
        variant((r) => {
          r.agency.badge = "4471";
        }),
        "agency.badge",
        "unknown field",
      );
    });

    it("unknown nested fields in a target, a document, the date range and the emergency", () => {
      expectSingleProblem(
        variant((r) => {
          r.targets[0].note = "x";
        }),
        "targets[0].note",
        "unknown field",
      );
      expectSingleProblem(
        variant((r) => {
          r.documents[0].size = 10;
        }),
        "documents[0].size",
        "unknown field",
      );
      expectSingleProblem(
        variant((r) => {
          r.dateRange.tz = "UTC";
        }),
        "dateRange.tz",
        "unknown field",
      );
      expectSingleProblem(
        variant((r) => {
          r.process = "emergency";
          r.emergency = { justification: "x", verified: true, callback: "+15550100" };
        }),
        "emergency.callback",
        "unknown field",
      );
    });

    it("every unknown field, each on its own", () => {
      const problems = problemsOf(
        variant((r) => {
          r.a = 1;
          r.b = 2;
        }),
      );
      expect(problems).toEqual([
        { path: "a", message: "unknown field" },
        { path: "b", message: "unknown field" },
      ]);
    });

    it("an unknown process, listing the known ones", () => {
      expectSingleProblem(
        variant((r) => {
          r.process = "warrant";
        }),
        "process",
        'unknown process "warrant" (one of: subpoena, court_order, search_warrant, emergency, preservation, mlat, national_security, informal)',
      );
    });

    it("an unknown target type", () => {
      expectSingleProblem(
        variant((r) => {
          r.targets = [{ type: "ip", value: "10.0.0.1" }];
        }),
        "targets[0].type",
        'unknown target type "ip" (one of: account_id, username, email, phone, ip_address, imei, mac_address)',
      );
    });

    it("a date that does not exist (2020-02-30)", () => {
      const problems = problemsOf(
        variant((r) => {
          r.dateRange.from = "2020-02-30";
        }),
      );
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]).toEqual({ path: "dateRange.from", message: "must be a calendar date like 2020-07-01" });
      for (const p of problems) expect(p.path).toBe("dateRange.from");
    });

    it("a 29 February outside a leap year, and accepts one inside", () => {
      const problems = problemsOf(
        variant((r) => {
          r.nonDisclosure.until = "2021-02-29";
        }),
      );
      expect(problems[0]?.path).toBe("nonDisclosure.until");
      expect(
        parseRequestDocument(
          variant((r) => {
            r.dateRange = { from: "2020-02-29", to: "2020-03-01" };
          }),
        ).dateRange,
      ).toEqual({ from: "2020-02-29", to: "2020-03-01" });
    });

    it("a date that is not a date at all", () => {
      // (The schema's refinement still runs after the format check fails, so a second, redundant
      // "must be a calendar date that exists" follows; only the first problem is pinned here.)
      const problems = problemsOf(
        variant((r) => {
          r.dateRange.to = "July 1st";
        }),
      );
      expect(problems[0]).toEqual({ path: "dateRange.to", message: "must be a calendar date like 2020-07-01" });
      for (const p of problems) expect(p.path).toBe("dateRange.to");
    });

    it("a date range whose end is before its start", () => {
      expectSingleProblem(
        variant((r) => {
          r.dateRange = { from: "2020-07-01", to: "2020-06-01" };
        }),
        "dateRange.to",
        "from must not be after to",
      );
    });

    it("accepts a one-day date range", () => {
      expect(
        parseRequestDocument(
          variant((r) => {
            r.dateRange = { from: "2020-07-01", to: "2020-07-01" };
          }),
        ).dateRange,
      ).toEqual({ from: "2020-07-01", to: "2020-07-01" });
    });

    it("receivedAt without a time zone", () => {
      expectSingleProblem(
        variant((r) => {
          r.receivedAt = "2020-07-12T09:30:00";
        }),
        "receivedAt",
        "must be an ISO 8601 date-time with a time zone, like 2020-07-12T09:30:00Z",
      );
    });

    it("an unknown country code (ZZ)", () => {
      expectSingleProblem(
        variant((r) => {
          r.jurisdiction = "ZZ";
        }),
        "jurisdiction",
        'unknown country code "ZZ"',
      );
    });

    it("a lower-case code (hk)", () => {
      expectSingleProblem(
        variant((r) => {
          r.jurisdiction = "hk";
        }),
        "jurisdiction",
        '"hk" is not an ISO 3166 code like "HK" or "US-CA"',
      );
    });

    it("a subdivision of an unknown country", () => {
      expectSingleProblem(
        variant((r) => {
          r.jurisdiction = "XX-CA";
        }),
        "jurisdiction",
        'unknown country code "XX"',
      );
    });

    it("a malformed sha256 (upper case, short, not hex)", () => {
      for (const sha256 of ["A".repeat(64), "a".repeat(63), "g".repeat(64), ""]) {
        expectSingleProblem(
          variant((r) => {
            r.documents[0].sha256 = sha256;
          }),
          "documents[0].sha256",
          "must be 64 lowercase hex digits (a SHA-256)",
        );
      }
    });

    it("a duplicated category", () => {
      expectSingleProblem(
        variant((r) => {
          r.categories = ["subscriber.phone", "content.messages", "subscriber.phone"];
        }),
        "categories[2]",
        '"subscriber.phone" is listed twice',
      );
    });

    it("a duplicated target", () => {
      expectSingleProblem(
        variant((r) => {
          r.targets = [
            { type: "phone", value: "+85291234567" },
            { type: "email", value: "a@example.org" },
            { type: "phone", value: "+85291234567" },
          ];
        }),
        "targets[2]",
        '"phone:+85291234567" is listed twice',
      );
    });

    it("accepts the same value under two target types", () => {
      const parsed = parseRequestDocument(
        variant((r) => {
          r.targets = [
            { type: "username", value: "alice" },
            { type: "account_id", value: "alice" },
          ];
        }),
      );
      expect(parsed.targets.map(targetKey)).toEqual(["username:alice", "account_id:alice"]);
    });

    it("an emergency object with a non-emergency process", () => {
      expectSingleProblem(
        variant((r) => {
          r.emergency = { justification: "bomb threat", verified: true };
        }),
        "emergency",
        'must be null unless process is "emergency" (process is "court_order")',
      );
    });

    it("a phone target that is not E.164", () => {
      for (const value of ["91234567", "+0123456789", "+852 9123 4567", "+12345"]) {
        expectSingleProblem(
          variant((r) => {
            r.targets = [{ type: "phone", value }];
          }),
          "targets[0].value",
          "must be an E.164 phone number like +85291234567",
        );
      }
    });

    it("a missing required field", () => {
      expectSingleProblem(
        variant((r) => {
          delete r.reference;
        }),
        "reference",
        "required",
      );
    });

    it("a field of the wrong type", () => {
      expectSingleProblem(
        variant((r) => {
          r.agency.verified = "yes";
        }),
        "agency.verified",
        "expected boolean, got a string",
      );
      expectSingleProblem(
        variant((r) => {
          r.targets = "+85291234567";
        }),
        "targets",
        "expected a list, got a string",
      );
      expect(
        problemsOf(
          variant((r) => {
            r.categories = "subscriber.phone";
          }),
        )[0],
      ).toEqual({ path: "categories", message: "expected a list, got a string" });
    });

    // zod 4 also runs the list's .max() on the string; only the first problem at a path is reported.
    it("a string where a list belongs gives only the type problem", () => {
      expectSingleProblem(
        variant((r) => {
          r.categories = "subscriber.phone";
        }),
        "categories",
        "expected a list, got a string",
      );
    });

    it("a finding that is not an identifier", () => {
      expectSingleProblem(
        variant((r) => {
          r.findings = ["Terrorism Suspect"];
        }),
        "findings[0]",
        "must be a lower_snake_case identifier like terrorism_suspect",
      );
    });

    it("a bad agency e-mail", () => {
      expectSingleProblem(
        variant((r) => {
          r.agency.email = "not-an-address";
        }),
        "agency.email",
        "must be an e-mail address",
      );
    });

    it("something that is not an object", () => {
      for (const input of [null, [], "request", 42]) {
        const problems = problemsOf(input);
        expect(problems).toHaveLength(1);
        expect(problems[0]?.path).toBe("");
        expect(problems[0]?.message).toMatch(/^expected object, got /);
      }
    });

    it("lists every problem at once, first in the message and the rest counted", () => {
      const error = validationErrorOf(() =>
        parseRequestDocument(
          variant((r) => {
            r.targets = [];
            r.jurisdiction = "ZZ";
            r.agency.badge = 1;
          }),
          "req.json",
        ),
      );
      expect(error.problems).toHaveLength(3);
      expect(error.problems).toEqual(
        expect.arrayContaining([
          { path: "targets", message: "must not be empty" },
          { path: "jurisdiction", message: 'unknown country code "ZZ"' },
          { path: "agency.badge", message: "unknown field" },
        ]),
      );
      expect(error.source).toBe("req.json");
      expect(error.message).toMatch(/^req\.json: .+ \(and 2 more: .+; .+\)$/);
    });
  });
});
