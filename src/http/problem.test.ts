import { describe, expect, it } from "vitest";
import { databaseUnavailable } from "./problem.js";

describe("databaseUnavailable", () => {
  it("names a restarting, unreachable or full database, and nothing else", () => {
    expect(databaseUnavailable({ code: "57P01", message: "terminating connection due to administrator command" })).toBe(
      "the database is restarting",
    );
    expect(databaseUnavailable({ code: "57P03", message: "the database system is starting up" })).toBe(
      "the database is restarting",
    );
    expect(databaseUnavailable({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:5432" })).toBe(
      "the database cannot be reached",
    );
    expect(databaseUnavailable({ code: "08006", message: "connection failure" })).toBe(
      "the database cannot be reached",
    );
    expect(databaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe("the database cannot be reached");
    expect(databaseUnavailable({ code: "53100", message: "could not extend file: No space left on device" })).toBe(
      "the database is out of disk space",
    );
    expect(databaseUnavailable({ code: "23505", message: "duplicate key value violates unique constraint" })).toBe(
      undefined,
    );
    expect(databaseUnavailable(new Error("undefined is not a function"))).toBe(undefined);
    expect(databaseUnavailable(undefined)).toBe(undefined);
  });
});
