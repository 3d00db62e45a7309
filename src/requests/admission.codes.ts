/**
 * The SQLSTATEs `admit_request(...)` raises when it refuses an intake. The function lives in migration
 * 0006_admission.ts (frozen: it spells these codes as literals); this is the one place TypeScript names them.
 */
export const ADMISSION_CODES = {
  /** The agency does not exist. */
  unknownAgency: "CU001",
  /** The agency is not active; the detail is its status. */
  agencyInactive: "CU002",
  /** An officer's request names a jurisdiction outside the agency's own; the detail is the agency's. */
  foreignJurisdiction: "CU003",
  /** The policy decided under is no longer in force; the detail is the key of the one that is. */
  policyChanged: "CU004",
} as const;
