// Generated from openapi.json by npm run schemas (openapi-typescript): do not edit.

export interface paths {
    "/api/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who is signed in */
        get: operations["getSession"];
        put?: never;
        /** Sign in with e-mail, password and the current second-factor code */
        post: operations["signIn"];
        /** Sign out */
        delete: operations["signOut"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/registrations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Register as an officer of an agency, with an e-mail on one of its verified domains */
        post: operations["registerOfficer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/registrations/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Confirm the e-mail address with the token from the link; returns the second-factor secret */
        post: operations["confirmRegistration"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/registrations/second-factor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Prove the second factor works; the account then waits for the provider's call-back */
        post: operations["enrolSecondFactor"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your API tokens */
        get: operations["listTokens"];
        put?: never;
        /** Create an API token for an agency system (shown once) */
        post: operations["createToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API token */
        delete: operations["revokeToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The queue (staff) or your agency's requests (officers), soonest deadline first */
        get: operations["listRequests"];
        put?: never;
        /** Submit a request document: JSON, or multipart with a `request` field and document files */
        post: operations["submitRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One request, with its decision and reviews for staff */
        get: operations["getRequest"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/documents/{position}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download a document submitted with the request */
        get: operations["downloadRequestDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The request's audit timeline */
        get: operations["getRequestTimeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/withdraw": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Withdraw a request */
        post: operations["withdrawRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/advance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Move a request on: received → verifying → under_review (verifying the requester) */
        post: operations["advanceRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record the call-back that verifies an emergency (made to the agency's number on file when it arrived) */
        post: operations["recordEmergencyCallback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/callback-number": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The number an emergency's call-back dials: the agency's phone on file when it arrived */
        get: operations["getRequestCallbackNumber"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/callback-number/review": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Counsel: the agency's phone changed since the emergency arrived; choose which number to call */
        post: operations["reviewRequestCallbackNumber"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/reviews": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record a review: a reviewer recommends, counsel approves or rejects */
        post: operations["reviewRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jurisdictions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Jurisdiction pauses and resumes, newest first */
        get: operations["listJurisdictionChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jurisdictions/{code}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a jurisdiction: hold every open request from it and every new one */
        post: operations["pauseJurisdiction"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jurisdictions/{code}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a jurisdiction: decide each held request again under the policy in force */
        post: operations["resumeJurisdiction"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/policy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The active policy version (null before one is activated) */
        get: operations["getPolicy"];
        put?: never;
        /** Activate a policy document, sent as YAML (text/yaml) or as { document } */
        post: operations["activatePolicy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Walk the audit chain and check every signature */
        get: operations["verifyAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/outbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Outgoing mail, newest first */
        get: operations["listOutbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Users, with where each officer stands in registration */
        get: operations["listUsers"];
        put?: never;
        /** Propose a staff account; a second admin applies it (POST /user-changes/{id}/approve), and its owner sets the password and second factor through a link mailed to them. The answer carries no secret */
        post: operations["proposeStaffAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/user-changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Proposed staff accounts, oldest first (pending ones by default) */
        get: operations["listStaffChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/user-changes/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A second admin (active before the proposal, not brought in by the proposer) applies a proposed account */
        post: operations["approveStaffChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/user-changes/{id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A second admin rejects a proposed account */
        post: operations["rejectStaffChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/reactivate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Propose bringing a suspended staff account back; once a second admin applies it, the account's old credentials are gone and its owner is mailed a new setup link */
        post: operations["proposeReactivation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/setup-link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mail a new one-time setup link to a staff account not yet set up (the earlier link stops working) */
        post: operations["resendSetupLink"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Activate an officer after a call-back to the agency's phone on file when they registered */
        post: operations["activateOfficer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/callback-number/review": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Counsel: the agency's phone changed since the officer registered; choose which number to call */
        post: operations["reviewOfficerCallbackNumber"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Suspend an account: every session and token it has is revoked at once */
        post: operations["suspendUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agencies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Agencies (an officer sees their own) */
        get: operations["listAgencies"];
        put?: never;
        /** Register an agency (its domains and phone are then proposed and approved by two admins) */
        post: operations["createAgency"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agencies/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One agency */
        get: operations["getAgency"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agencies/{id}/changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Propose adding or removing a verified domain, or setting the phone on file */
        post: operations["proposeAgencyChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agency-changes/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Apply a proposed agency change (a second admin) */
        post: operations["approveAgencyChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/agency-changes/{id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reject a proposed agency change (a second admin) */
        post: operations["rejectAgencyChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/addressees": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Where authorities send orders, per region: the designated establishment or legal representative (EU) or contact point, how to reach it, and the languages it accepts */
        get: operations["listAddressees"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/{period}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The transparency report of a year, half-year or quarter (2025, 2025H2, 2025Q3), as published (no sign-in) */
        get: operations["getReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/{period}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The published versions of a period's report, oldest first, each correction with its note and changes */
        get: operations["listReportVersions"];
        put?: never;
        /** Publish the period's report as it stands as its next version; a correction (version 2 on) must say what changed and why */
        post: operations["publishReport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/{period}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One published version of a period's report, as it was published (never changed) */
        get: operations["getReportVersion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/canary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The newest warrant canary: the signed document, its Ed25519 signature, and whether it has lapsed */
        get: operations["getCanary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/productions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A request's sealed productions, newest first: status, expiry, size, files and results per account */
        get: operations["listProductions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/productions/{id}/download": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download a production (once): the BagIt bag as a tar, decrypted as it streams */
        get: operations["downloadProduction"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers (the database is not asked; see /ready) */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the database takes a write and the disks have room; 503 naming what is not */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The whole audit trail, filtered by object, actor, action and time, newest (or oldest) first, keyset-paged */
        get: operations["listAuditEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Release a request held for staff review (its submitter was suspended), with what was checked */
        post: operations["releaseRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/release-holds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Release every request held because this account was suspended, with one note */
        post: operations["releaseHoldsOfUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A request's correspondence with its authority, oldest first, and whether its answer clock is paused */
        get: operations["listRequestMessages"];
        put?: never;
        /** Send the authority a form: acknowledgement of receipt or of preservation, Annex III (a clarification pauses the clock), notice of production */
        post: operations["sendRequestMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/messages/{messageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One message of the correspondence, with its form as JSON */
        get: operations["getRequestMessage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/messages/{messageId}/pdf": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One message of the correspondence as a PDF */
        get: operations["getRequestMessagePdf"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/messages/{messageId}/answer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Answer a clarification the provider asked on Annex III (an officer of the requesting agency); the clock resumes */
        post: operations["answerClarification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/emergency-page": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An emergency's page to the on-call person: sent, failing or not configured, and who acknowledged it */
        get: operations["getEmergencyPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/emergency-page/acknowledgement": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Acknowledge an emergency's page: the desk shows who has it and since when (the first stands) */
        post: operations["acknowledgeEmergencyPage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/order-facts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record an order's category of illegal content (or correct it), and when its receipt was confirmed to the authority (once) */
        post: operations["recordOrderFacts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/enforcing-state": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An EU production order's enforcing State: its notification, the enforcing authority's answers, and whether traffic and content data may leave now */
        get: operations["getEnforcingState"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/enforcing-state/notification": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record that the issuing authority notified the enforcing State of this EPOC (Art. 8(1)), where the order did not say so; once */
        post: operations["recordEnforcingNotification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/enforcing-state/answers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record the enforcing authority's answer: no ground, a refusal or objection on Art. 12(1) grounds, or conditions on use; also after delivery */
        post: operations["recordEnforcingAnswer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/publication": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A request's publication, drafted or approved: what is shown, what is withheld and why */
        get: operations["getPublication"];
        put?: never;
        /** Draft (or redraft) the publication of an answered request whose non-disclosure order has lifted: every publishable field is shown but those redacted, each with its reason */
        post: operations["draftPublication"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/requests/{id}/publication/approval": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve the drafted publication at the version read (counsel, not the drafter); it is public from then on */
        post: operations["approvePublication"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/publications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The demands published after their gag lifted, newest first, as approved (no sign-in) */
        get: operations["listPublications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/publications/lumen": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The published demands as notices of Lumen's notices API, type LawEnforcementRequest (no sign-in) */
        get: operations["exportPublicationsLumen"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: {
        /** @description The request was refused; the problem document says why, naming every field at fault */
        Problem: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": {
                    type: string;
                    title: string;
                    status: number;
                    detail: string;
                    instance?: string;
                    /** @description Every field at fault, as `body.targets[0].value` */
                    errors?: {
                        path: string;
                        message: string;
                    }[];
                };
            };
        };
        /** @description The server could not answer: 503 with Retry-After while the database is away (nothing was done), 500 for a fault (the problem document gives only its id) */
        Unavailable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": {
                    type: string;
                    title: string;
                    status: number;
                    detail: string;
                    instance?: string;
                    /** @description Every field at fault, as `body.targets[0].value` */
                    errors?: {
                        path: string;
                        message: string;
                    }[];
                };
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        user: {
                            /** Format: uuid */
                            id: string;
                            email: string;
                            /** @enum {string} */
                            role: "agency" | "intake" | "reviewer" | "counsel" | "admin" | "auditor";
                            agencyId: string | null;
                        };
                        /** @enum {string} */
                        via: "session" | "token";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    signIn: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                    password: string;
                    code: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        user: {
                            /** Format: uuid */
                            id: string;
                            email: string;
                            /** @enum {string} */
                            role: "agency" | "intake" | "reviewer" | "counsel" | "admin" | "auditor";
                            agencyId: string | null;
                        };
                        csrfToken: string;
                        expiresAt: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    signOut: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; nothing to return */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    registerOfficer: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                    displayName: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "confirmation_sent";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    confirmRegistration: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    token: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        totpSecret: string;
                        otpauthUri: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    enrolSecondFactor: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    token: string;
                    code: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "awaiting_callback";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            scopes: string[];
                            createdAt: string;
                            expiresAt: string;
                            revokedAt: string | null;
                            lastUsedAt: string | null;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    createToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    scopes: ("requests:read" | "requests:write")[];
                    /** @default 90 */
                    expiresInDays?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        token: string;
                        item: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            scopes: string[];
                            createdAt: string;
                            expiresAt: string;
                            revokedAt: string | null;
                            lastUsedAt: string | null;
                        };
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; nothing to return */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listRequests: {
        parameters: {
            query?: {
                status?: ("received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn") | ("received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn")[];
                /** @description An ISO 3166-1 alpha-2 country code, optionally with a subdivision: HK, US-CA */
                jurisdiction?: string;
                process?: "subpoena" | "court_order" | "search_warrant" | "emergency" | "preservation" | "mlat" | "national_security" | "informal";
                agencyId?: string;
                deadlineBefore?: string;
                sort?: "deadline" | "received";
                limit?: number;
                after?: string;
                before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            reference: string;
                            /** Format: uuid */
                            agencyId: string;
                            agencyName: string;
                            jurisdiction: string;
                            process: string;
                            /** @enum {string} */
                            status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                            /** Format: date-time */
                            receivedAt: string;
                            deadlineAt: string | null;
                            emergency: boolean;
                            assignee?: string | null;
                        }[];
                        next: string | null;
                        previous?: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    submitRequest: {
        parameters: {
            query?: {
                agencyId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reference: string;
                    /** Format: date-time */
                    receivedAt: string;
                    /** @description An ISO 3166-1 alpha-2 country code, optionally with a subdivision: HK, US-CA */
                    jurisdiction: string;
                    agency: {
                        name: string;
                        /** Format: email */
                        email: string;
                        /** @default false */
                        verified?: boolean;
                    };
                    /** @enum {string} */
                    process: "subpoena" | "court_order" | "search_warrant" | "emergency" | "preservation" | "mlat" | "national_security" | "informal";
                    issuedBy?: string | null;
                    /** @default [] */
                    findings?: string[];
                    emergency?: {
                        justification: string;
                        /** @default false */
                        verified?: boolean;
                    } | null;
                    targets: {
                        /** @enum {string} */
                        type: "account_id" | "username" | "email" | "phone" | "ip_address" | "imei" | "mac_address";
                        value: string;
                        /** Format: date-time */
                        at?: string;
                        timeZone?: string;
                        port?: number;
                    }[];
                    categories: ("subscriber.name" | "subscriber.email" | "subscriber.phone" | "subscriber.ip_address" | "subscriber.created_at" | "subscriber.billing" | "records.ip_logs" | "records.contacts" | "records.groups" | "records.connections" | "records.last_seen" | "content.messages" | "content.posts" | "content.media" | "content.location")[];
                    dateRange?: {
                        /** Format: date */
                        from: string;
                        /** Format: date */
                        to: string;
                    } | null;
                    nonDisclosure?: {
                        /** Format: date */
                        until: string;
                    } | null;
                    /** @default [] */
                    documents?: {
                        name: string;
                        sha256: string;
                    }[];
                    legalBasis?: {
                        /** @enum {string} */
                        regime: "us" | "eu_e_evidence" | "uk_us_daa" | "mlat";
                        /** @enum {string} */
                        instrument: "subpoena" | "court_order" | "search_warrant" | "emergency" | "preservation" | "national_security" | "informal" | "epoc" | "epoc_pr" | "annex_v_confirmation" | "annex_vi_extension" | "overseas_production_order" | "mlat";
                        issuingAuthority?: {
                            name: string;
                            /** @enum {string} */
                            kind: "judge" | "court" | "investigating_judge" | "public_prosecutor" | "other_competent_authority";
                            fileNumber?: string;
                        };
                        validatingAuthority?: {
                            name: string;
                            /** @enum {string} */
                            kind: "judge" | "court" | "investigating_judge" | "public_prosecutor" | "other_competent_authority";
                            fileNumber?: string;
                        };
                        issuingState?: string;
                        offence?: {
                            /** @enum {string} */
                            category: "non_cash_payment_fraud" | "child_sexual_abuse" | "information_system_attack" | "terrorism" | "other";
                            maximumSentenceMonths: number;
                            /** @default false */
                            byInformationSystem?: boolean;
                            description?: string;
                        };
                        /** @default false */
                        emergency?: boolean;
                        userInformationDelay?: {
                            reason: string;
                            /** Format: date */
                            until?: string;
                        };
                        /** Format: date-time */
                        deadline?: string;
                        relatesTo?: string;
                        enforcingNotification?: {
                            enforcingState: string;
                            /** Format: date-time */
                            notifiedAt: string;
                        };
                        /** @default false */
                        offenceAndPersonInIssuingState?: boolean;
                    };
                    /** @enum {string} */
                    illegalContentCategory?: "STATEMENT_CATEGORY_ANIMAL_WELFARE" | "STATEMENT_CATEGORY_CONSUMER_INFORMATION" | "STATEMENT_CATEGORY_CYBER_VIOLENCE" | "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN" | "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS" | "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH" | "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS" | "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS" | "STATEMENT_CATEGORY_PROTECTION_OF_MINORS" | "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY" | "STATEMENT_CATEGORY_SCAMS_AND_FRAUD" | "STATEMENT_CATEGORY_SELF_HARM" | "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS" | "STATEMENT_CATEGORY_VIOLENCE" | "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER";
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                        outcome: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        view: "officer";
                        /** Format: uuid */
                        id: string;
                        reference: string;
                        /** Format: uuid */
                        agencyId: string;
                        agencyName: string;
                        jurisdiction: string;
                        process: string;
                        /** @enum {string} */
                        status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                        /** Format: date-time */
                        receivedAt: string;
                        deadlineAt: string | null;
                        followUpDueAt: string | null;
                        categories: ("subscriber.name" | "subscriber.email" | "subscriber.phone" | "subscriber.ip_address" | "subscriber.created_at" | "subscriber.billing" | "records.ip_logs" | "records.contacts" | "records.groups" | "records.connections" | "records.last_seen" | "content.messages" | "content.posts" | "content.media" | "content.location")[];
                        targets: {
                            /** @enum {string} */
                            type: "account_id" | "username" | "email" | "phone" | "ip_address" | "imei" | "mac_address";
                            value: string;
                            /** Format: date-time */
                            at?: string;
                            timeZone?: string;
                            port?: number;
                        }[];
                        documents: {
                            position: number;
                            name: string;
                            sha256: string;
                            mediaType: string | null;
                            sizeBytes: number | null;
                            stored: boolean;
                        }[];
                        /** @enum {string} */
                        regime: "us" | "eu_e_evidence" | "uk_us_daa" | "mlat";
                        instrument: string | null;
                        originalSha256: string;
                        version: number;
                        staffHold: {
                            /** @enum {string} */
                            kind: "account_suspended";
                            /** Format: date-time */
                            since: string;
                            reason?: string;
                            placedBy?: string;
                            account?: {
                                /** Format: uuid */
                                id: string;
                                email: string;
                            };
                        } | null;
                        decision: null;
                        reviews: {
                            reviewer: string;
                            /** @enum {string} */
                            verdict: "recommend_approve" | "recommend_reject" | "approve" | "reject";
                            checklist: {
                                [key: string]: unknown;
                            };
                            note: string | null;
                            /** Format: uuid */
                            decisionId: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        callbacks: {
                            calledNumber: string;
                            outcome: string;
                            note: string;
                            madeBy: string;
                            /** Format: date-time */
                            madeAt: string;
                        }[];
                    } | {
                        /** @enum {string} */
                        view: "staff";
                        /** Format: uuid */
                        id: string;
                        reference: string;
                        /** Format: uuid */
                        agencyId: string;
                        agencyName: string;
                        jurisdiction: string;
                        process: string;
                        /** @enum {string} */
                        status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                        /** Format: date-time */
                        receivedAt: string;
                        deadlineAt: string | null;
                        followUpDueAt: string | null;
                        categories: ("subscriber.name" | "subscriber.email" | "subscriber.phone" | "subscriber.ip_address" | "subscriber.created_at" | "subscriber.billing" | "records.ip_logs" | "records.contacts" | "records.groups" | "records.connections" | "records.last_seen" | "content.messages" | "content.posts" | "content.media" | "content.location")[];
                        targets: {
                            /** @enum {string} */
                            type: "account_id" | "username" | "email" | "phone" | "ip_address" | "imei" | "mac_address";
                            value: string;
                            /** Format: date-time */
                            at?: string;
                            timeZone?: string;
                            port?: number;
                        }[];
                        documents: {
                            position: number;
                            name: string;
                            sha256: string;
                            mediaType: string | null;
                            sizeBytes: number | null;
                            stored: boolean;
                        }[];
                        /** @enum {string} */
                        regime: "us" | "eu_e_evidence" | "uk_us_daa" | "mlat";
                        instrument: string | null;
                        originalSha256: string;
                        version: number;
                        staffHold: {
                            /** @enum {string} */
                            kind: "account_suspended";
                            /** Format: date-time */
                            since: string;
                            reason?: string;
                            placedBy?: string;
                            account?: {
                                /** Format: uuid */
                                id: string;
                                email: string;
                            };
                        } | null;
                        issuedBy: string | null;
                        findings: string[];
                        dateRange: {
                            /** Format: date */
                            from: string;
                            /** Format: date */
                            to: string;
                        } | null;
                        nonDisclosureUntil: string | null;
                        submittedBy: string | null;
                        verificationNotes: {
                            to: string;
                            note: string;
                            by: string;
                            /** Format: date-time */
                            at: string;
                        }[];
                        agencyVerified: boolean;
                        emergency: {
                            justification: string;
                            verified: boolean;
                        } | null;
                        legalBasis: {
                            /** @enum {string} */
                            regime: "us" | "eu_e_evidence" | "uk_us_daa" | "mlat";
                            /** @enum {string} */
                            instrument: "subpoena" | "court_order" | "search_warrant" | "emergency" | "preservation" | "national_security" | "informal" | "epoc" | "epoc_pr" | "annex_v_confirmation" | "annex_vi_extension" | "overseas_production_order" | "mlat";
                            issuingAuthority?: {
                                name: string;
                                /** @enum {string} */
                                kind: "judge" | "court" | "investigating_judge" | "public_prosecutor" | "other_competent_authority";
                                fileNumber?: string;
                            };
                            validatingAuthority?: {
                                name: string;
                                /** @enum {string} */
                                kind: "judge" | "court" | "investigating_judge" | "public_prosecutor" | "other_competent_authority";
                                fileNumber?: string;
                            };
                            issuingState?: string;
                            offence?: {
                                /** @enum {string} */
                                category: "non_cash_payment_fraud" | "child_sexual_abuse" | "information_system_attack" | "terrorism" | "other";
                                maximumSentenceMonths: number;
                                /** @default false */
                                byInformationSystem: boolean;
                                description?: string;
                            };
                            /** @default false */
                            emergency: boolean;
                            userInformationDelay?: {
                                reason: string;
                                /** Format: date */
                                until?: string;
                            };
                            /** Format: date-time */
                            deadline?: string;
                            relatesTo?: string;
                            enforcingNotification?: {
                                enforcingState: string;
                                /** Format: date-time */
                                notifiedAt: string;
                            };
                            /** @default false */
                            offenceAndPersonInIssuingState: boolean;
                        } | null;
                        userNotice: {
                            /** @enum {string} */
                            by: "provider" | "issuing_authority";
                            afterDays: number;
                            rule: string;
                            reason: string;
                        } | null;
                        decision: {
                            /** Format: uuid */
                            id: string;
                            sequence: number;
                            policy: {
                                name: string;
                                version: string;
                            };
                            /** @enum {string} */
                            outcome: "hold" | "preserve" | "comply_full" | "comply_partial" | "no_data" | "reject";
                            needsReview: boolean;
                            reviewReasons: string[];
                            humanRightsReview: boolean;
                            items: {
                                target: string;
                                /** @enum {string} */
                                category: "subscriber.name" | "subscriber.email" | "subscriber.phone" | "subscriber.ip_address" | "subscriber.created_at" | "subscriber.billing" | "records.ip_logs" | "records.contacts" | "records.groups" | "records.connections" | "records.last_seen" | "content.messages" | "content.posts" | "content.media" | "content.location";
                                /** @enum {string} */
                                action: "disclose" | "withhold" | "unavailable" | "hold" | "preserve";
                                rule: string;
                                reason: string;
                                refusal?: {
                                    /** @enum {string} */
                                    form: "annex_iii";
                                    /** @enum {string} */
                                    ground: "issuing_authority" | "offence_threshold";
                                    article: string;
                                };
                            }[];
                            /** @enum {string} */
                            cause: "intake" | "resume" | "pause" | "policy_change" | "verification" | "import";
                            /** Format: date-time */
                            decidedAt: string;
                        } | null;
                        reviews: {
                            reviewer: string;
                            /** @enum {string} */
                            verdict: "recommend_approve" | "recommend_reject" | "approve" | "reject";
                            checklist: {
                                [key: string]: unknown;
                            };
                            note: string | null;
                            /** Format: uuid */
                            decisionId: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        callbacks: {
                            calledNumber: string;
                            outcome: string;
                            note: string;
                            madeBy: string;
                            /** Format: date-time */
                            madeAt: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    downloadRequestDocument: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                position: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document as submitted, under the media type it was submitted with */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getRequestTimeline: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: number;
                            /** Format: date-time */
                            at: string;
                            actor: string;
                            action: string;
                            details: {
                                [key: string]: unknown;
                            };
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    withdrawRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    advanceRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    to: "verifying" | "under_review";
                    note: string;
                    expectedVersion?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    recordEmergencyCallback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    confirmed: boolean;
                    note: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                        /** @enum {string} */
                        outcome?: "hold" | "preserve" | "comply_full" | "comply_partial" | "no_data" | "reject";
                        calledNumber: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getRequestCallbackNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        numberOnRecord: string | null;
                        numberOnFile: string | null;
                        changed: boolean;
                        review: {
                            /** @enum {string} */
                            dial: "on_record" | "on_file";
                            note: string;
                            reviewedBy: string;
                            reviewedAt: string;
                        } | null;
                        dial: string | null;
                        refusal: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    reviewRequestCallbackNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    dial: "on_record" | "on_file";
                    note: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        numberOnRecord: string | null;
                        numberOnFile: string | null;
                        changed: boolean;
                        review: {
                            /** @enum {string} */
                            dial: "on_record" | "on_file";
                            note: string;
                            reviewedBy: string;
                            reviewedAt: string;
                        } | null;
                        dial: string | null;
                        refusal: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    reviewRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    verdict: "recommend_approve" | "recommend_reject" | "approve" | "reject";
                    /** @description legality, necessityAndProportionality, dueProcess: each "met" or "not_met", with <item>Note saying why for each not met; humanRightsRisk: "low", "medium" or "high", with humanRightsRiskNote (reasoning, at least 20 characters) when high. Required in full to recommend approval or to approve; nothing is presumed. */
                    checklist?: {
                        [key: string]: unknown;
                    };
                    note?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        reviewId: string;
                        /** @enum {string} */
                        status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listJurisdictionChanges: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            jurisdiction: string;
                            status: string;
                            reason: string;
                            actor: string;
                            changedAt: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    pauseJurisdiction: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description An ISO 3166-1 alpha-2 country code, optionally with a subdivision: HK, US-CA */
                code: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        jurisdiction: string;
                        /** @enum {string} */
                        status: "active" | "paused" | "refused";
                        held: number;
                        redecided: number;
                        released: {
                            /** Format: uuid */
                            id: string;
                            /** @enum {string} */
                            status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                            /** @enum {string} */
                            outcome: "hold" | "preserve" | "comply_full" | "comply_partial" | "no_data" | "reject";
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    resumeJurisdiction: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description An ISO 3166-1 alpha-2 country code, optionally with a subdivision: HK, US-CA */
                code: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        jurisdiction: string;
                        /** @enum {string} */
                        status: "active" | "paused" | "refused";
                        held: number;
                        redecided: number;
                        released: {
                            /** Format: uuid */
                            id: string;
                            /** @enum {string} */
                            status: "received" | "verifying" | "under_review" | "approved" | "rejected" | "fulfilling" | "delivered" | "closed" | "on_hold" | "preserved" | "withdrawn";
                            /** @enum {string} */
                            outcome: "hold" | "preserve" | "comply_full" | "comply_partial" | "no_data" | "reject";
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getPolicy: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        name: string;
                        version: string;
                        sha256: string;
                        activatedAt: string | null;
                        /** @description The document as it was activated, byte for byte */
                        document: string;
                    } | null;
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    activatePolicy: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": string | {
                    document: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        name: string;
                        version: string;
                        created: boolean;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    verifyAudit: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        ok: boolean;
                        entries: number;
                        headHash: string;
                        checkpointsChecked: number;
                        unsealed: number;
                        problems: {
                            /** @enum {string} */
                            kind: "altered" | "removed" | "inserted" | "reordered" | "truncated" | "bad_signature" | "unvouched";
                            position?: number;
                            eventId?: number;
                            detail: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listOutbox: {
        parameters: {
            query?: {
                recipient?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: number;
                            to: string;
                            subject: string;
                            body: string;
                            purpose: string;
                            status: string;
                            notBefore: string;
                            createdAt: string;
                            sentAt: string | null;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listUsers: {
        parameters: {
            query?: {
                status?: "pending" | "active" | "suspended";
                agencyId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            email: string;
                            displayName: string;
                            /** @enum {string} */
                            role: "agency" | "intake" | "reviewer" | "counsel" | "admin" | "auditor";
                            agencyId: string | null;
                            status: string;
                            emailConfirmed: boolean;
                            secondFactorEnrolled: boolean;
                            flagged: string | null;
                            createdAt: string;
                            callback: {
                                numberOnRecord: string | null;
                                numberOnFile: string | null;
                                changed: boolean;
                                review: {
                                    /** @enum {string} */
                                    dial: "on_record" | "on_file";
                                    note: string;
                                    reviewedBy: string;
                                    reviewedAt: string;
                                } | null;
                                dial: string | null;
                                refusal: string | null;
                            } | null;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    proposeStaffAccount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                    displayName: string;
                    /** @enum {string} */
                    role: "intake" | "reviewer" | "counsel" | "admin" | "auditor";
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "pending";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listStaffChanges: {
        parameters: {
            query?: {
                status?: "pending" | "all";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** @enum {string} */
                            kind: "create" | "reactivate";
                            email: string;
                            displayName: string;
                            /** @enum {string} */
                            role: "intake" | "reviewer" | "counsel" | "admin" | "auditor";
                            userId: string | null;
                            /** @enum {string} */
                            status: "pending" | "applied" | "rejected";
                            proposedBy: string;
                            proposedAt: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    approveStaffChange: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "applied" | "rejected";
                        userId: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    rejectStaffChange: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "applied" | "rejected";
                        userId: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    proposeReactivation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "pending";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    resendSetupLink: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "sent";
                        expiresAt: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    activateOfficer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    confirmed: boolean;
                    note: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "active" | "pending";
                        calledNumber: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    reviewOfficerCallbackNumber: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    dial: "on_record" | "on_file";
                    note: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        numberOnRecord: string | null;
                        numberOnFile: string | null;
                        changed: boolean;
                        review: {
                            /** @enum {string} */
                            dial: "on_record" | "on_file";
                            note: string;
                            reviewedBy: string;
                            reviewedAt: string;
                        } | null;
                        dial: string | null;
                        refusal: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    suspendUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason: string;
                };
            };
        };
        responses: {
            /** @description Done; nothing to return */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listAgencies: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            jurisdiction: string;
                            status: string;
                            phoneOnFile: string | null;
                            domains: string[];
                            pendingChanges: {
                                /** Format: uuid */
                                id: string;
                                /** @enum {string} */
                                kind: "add_domain" | "remove_domain" | "set_phone";
                                value: string;
                                proposedBy: string;
                                proposedAt: string;
                            }[];
                            createdAt: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    createAgency: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @description An ISO 3166-1 alpha-2 country code, optionally with a subdivision: HK, US-CA */
                    jurisdiction: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getAgency: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        name: string;
                        jurisdiction: string;
                        status: string;
                        phoneOnFile: string | null;
                        domains: string[];
                        pendingChanges: {
                            /** Format: uuid */
                            id: string;
                            /** @enum {string} */
                            kind: "add_domain" | "remove_domain" | "set_phone";
                            value: string;
                            proposedBy: string;
                            proposedAt: string;
                        }[];
                        createdAt: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    proposeAgencyChange: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    kind: "add_domain" | "remove_domain" | "set_phone";
                    value: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "pending";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    approveAgencyChange: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "applied" | "rejected";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    rejectAgencyChange: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        status: "applied" | "rejected";
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listAddressees: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        addressees: {
                            region: string;
                            /** @enum {string} */
                            kind: "designated_establishment" | "legal_representative" | "contact_point";
                            name: string;
                            establishedIn: string;
                            address: string;
                            email?: string;
                            phone?: string;
                            emergencyPhone?: string;
                            languages: string[];
                            receives?: ("subpoena" | "court_order" | "search_warrant" | "emergency" | "preservation" | "national_security" | "informal" | "epoc" | "epoc_pr" | "annex_v_confirmation" | "annex_vi_extension" | "overseas_production_order" | "mlat")[];
                            note?: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getReport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                period: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        period: string;
                        readonly columns: string[];
                        rows: {
                            period: string;
                            jurisdiction: string;
                            process: string;
                            requests: number | string;
                            accounts_specified: number | string;
                            requests_with_data_produced: number | string;
                            percent_with_data_produced: number | null;
                            requests_held: number | string;
                            requests_rejected: number | string;
                            requests_no_data: number | string;
                        }[];
                        notices: {
                            readonly columns: string[];
                            rows: {
                                period: string;
                                jurisdiction: string;
                                process: string;
                                notices_given: number | string;
                                notices_delayed_by_non_disclosure: number | string;
                                notices_barred: number | string;
                                notices_pending_emergency_delay: number | string;
                                notices_not_possible: number | string;
                                notices_left_to_issuing_authority: number | string;
                            }[];
                        };
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listReportVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                period: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        period: string;
                        versions: {
                            period: string;
                            version: number;
                            publishedAt: string;
                            note: string | null;
                            changes: {
                                jurisdiction: string;
                                process: string;
                                /** @enum {string} */
                                column: "period" | "jurisdiction" | "process" | "requests" | "accounts_specified" | "requests_with_data_produced" | "percent_with_data_produced" | "requests_held" | "requests_rejected" | "requests_no_data";
                                before: number | string | null;
                                after: number | string | null;
                            }[];
                            noticeChanges: {
                                jurisdiction: string;
                                process: string;
                                /** @enum {string} */
                                column: "period" | "jurisdiction" | "process" | "notices_given" | "notices_delayed_by_non_disclosure" | "notices_barred" | "notices_pending_emergency_delay" | "notices_not_possible" | "notices_left_to_issuing_authority";
                                before: number | string | null;
                                after: number | string | null;
                            }[];
                            dsaChanges: {
                                scope: string;
                                category: string;
                                /** @enum {string} */
                                column: "Applicability" | "Service" | "Reporting period" | "Category of illegal content" | "Description of the sub-category \"Other\"" | "Scope" | "Number of orders to act against illegal content received" | "Number of specific items of information included in the total number of orders to act against illegal content" | "Median time to inform the authority of the receipt of the order to act against illegal content" | "Median time to give effect to the order to act against illegal content" | "Number of orders to provide information" | "Median time to inform the authority of the receipt of the order to provide information" | "Median time to give effect to the order to provide information" | "Contextual information on number of orders to act against illegal content received" | "Contextual information on number of specific items of information included in the total number of orders to act against illegal content" | "Contextual information on Median time to inform the authority of the receipt of the order to act against illegal content" | "Contextual information on Median time to give effect to the order to act against illegal content" | "Contextual information on Number of orders to provide information" | "Contextual information on Median time to inform the authority of the receipt of the order to provide information" | "Contextual information on Median time to give effect to the order to provide information";
                                before: number | string | null;
                                after: number | string | null;
                            }[];
                            includes: {
                                notices: boolean;
                                dsa: boolean;
                            };
                            sha256: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    publishReport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                period: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    note?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        period: string;
                        version: number;
                        publishedAt: string;
                        note: string | null;
                        changes: {
                            jurisdiction: string;
                            process: string;
                            /** @enum {string} */
                            column: "period" | "jurisdiction" | "process" | "requests" | "accounts_specified" | "requests_with_data_produced" | "percent_with_data_produced" | "requests_held" | "requests_rejected" | "requests_no_data";
                            before: number | string | null;
                            after: number | string | null;
                        }[];
                        noticeChanges: {
                            jurisdiction: string;
                            process: string;
                            /** @enum {string} */
                            column: "period" | "jurisdiction" | "process" | "notices_given" | "notices_delayed_by_non_disclosure" | "notices_barred" | "notices_pending_emergency_delay" | "notices_not_possible" | "notices_left_to_issuing_authority";
                            before: number | string | null;
                            after: number | string | null;
                        }[];
                        dsaChanges: {
                            scope: string;
                            category: string;
                            /** @enum {string} */
                            column: "Applicability" | "Service" | "Reporting period" | "Category of illegal content" | "Description of the sub-category \"Other\"" | "Scope" | "Number of orders to act against illegal content received" | "Number of specific items of information included in the total number of orders to act against illegal content" | "Median time to inform the authority of the receipt of the order to act against illegal content" | "Median time to give effect to the order to act against illegal content" | "Number of orders to provide information" | "Median time to inform the authority of the receipt of the order to provide information" | "Median time to give effect to the order to provide information" | "Contextual information on number of orders to act against illegal content received" | "Contextual information on number of specific items of information included in the total number of orders to act against illegal content" | "Contextual information on Median time to inform the authority of the receipt of the order to act against illegal content" | "Contextual information on Median time to give effect to the order to act against illegal content" | "Contextual information on Number of orders to provide information" | "Contextual information on Median time to inform the authority of the receipt of the order to provide information" | "Contextual information on Median time to give effect to the order to provide information";
                            before: number | string | null;
                            after: number | string | null;
                        }[];
                        includes: {
                            notices: boolean;
                            dsa: boolean;
                        };
                        sha256: string;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getReportVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                period: string;
                version: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        period: string;
                        version: number;
                        publishedAt: string;
                        note: string | null;
                        changes: {
                            jurisdiction: string;
                            process: string;
                            /** @enum {string} */
                            column: "period" | "jurisdiction" | "process" | "requests" | "accounts_specified" | "requests_with_data_produced" | "percent_with_data_produced" | "requests_held" | "requests_rejected" | "requests_no_data";
                            before: number | string | null;
                            after: number | string | null;
                        }[];
                        noticeChanges: {
                            jurisdiction: string;
                            process: string;
                            /** @enum {string} */
                            column: "period" | "jurisdiction" | "process" | "notices_given" | "notices_delayed_by_non_disclosure" | "notices_barred" | "notices_pending_emergency_delay" | "notices_not_possible" | "notices_left_to_issuing_authority";
                            before: number | string | null;
                            after: number | string | null;
                        }[];
                        dsaChanges: {
                            scope: string;
                            category: string;
                            /** @enum {string} */
                            column: "Applicability" | "Service" | "Reporting period" | "Category of illegal content" | "Description of the sub-category \"Other\"" | "Scope" | "Number of orders to act against illegal content received" | "Number of specific items of information included in the total number of orders to act against illegal content" | "Median time to inform the authority of the receipt of the order to act against illegal content" | "Median time to give effect to the order to act against illegal content" | "Number of orders to provide information" | "Median time to inform the authority of the receipt of the order to provide information" | "Median time to give effect to the order to provide information" | "Contextual information on number of orders to act against illegal content received" | "Contextual information on number of specific items of information included in the total number of orders to act against illegal content" | "Contextual information on Median time to inform the authority of the receipt of the order to act against illegal content" | "Contextual information on Median time to give effect to the order to act against illegal content" | "Contextual information on Number of orders to provide information" | "Contextual information on Median time to inform the authority of the receipt of the order to provide information" | "Contextual information on Median time to give effect to the order to provide information";
                            before: number | string | null;
                            after: number | string | null;
                        }[];
                        includes: {
                            notices: boolean;
                            dsa: boolean;
                        };
                        sha256: string;
                        readonly columns: string[];
                        rows: {
                            period: string;
                            jurisdiction: string;
                            process: string;
                            requests: number | string;
                            accounts_specified: number | string;
                            requests_with_data_produced: number | string;
                            percent_with_data_produced: number | null;
                            requests_held: number | string;
                            requests_rejected: number | string;
                            requests_no_data: number | string;
                        }[];
                        notices: {
                            readonly columns: string[];
                            rows: {
                                period: string;
                                jurisdiction: string;
                                process: string;
                                notices_given: number | string;
                                notices_delayed_by_non_disclosure: number | string;
                                notices_barred: number | string;
                                notices_pending_emergency_delay: number | string;
                                notices_not_possible: number | string;
                                notices_left_to_issuing_authority: number | string;
                            }[];
                        } | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getCanary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        document: {
                            format: string;
                            issuer: string;
                            issuedAt: string;
                            expiresAt: string;
                            statements: {
                                /** @enum {string} */
                                code: "no_national_security_process" | "no_gag_in_force";
                                text: string;
                            }[];
                            freshness: {
                                auditPosition: number;
                                auditHash: string;
                            };
                            keyId: string;
                        };
                        signature: string;
                        expired: boolean;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listProductions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** @enum {string} */
                            status: "ready" | "downloaded" | "purged";
                            sealedAt: string | null;
                            expiresAt: string | null;
                            downloadedAt: string | null;
                            downloadedBy: string | null;
                            bytes: number | null;
                            dataProduced: boolean | null;
                            files: {
                                path: string;
                                bytes: number;
                            }[];
                            targets: {
                                target: string;
                                /** @enum {string} */
                                result: "data_produced" | "no_data";
                                records: number;
                            }[];
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    downloadProduction: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The BagIt bag as a tar archive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-tar": string;
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        ok: true;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        ready: boolean;
                        checks: {
                            /** @enum {string} */
                            name: "database" | "disk";
                            ok: boolean;
                            detail: string;
                        }[];
                    };
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        ready: boolean;
                        checks: {
                            /** @enum {string} */
                            name: "database" | "disk";
                            ok: boolean;
                            detail: string;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listAuditEvents: {
        parameters: {
            query?: {
                objectType?: string;
                objectId?: string;
                actor?: string;
                action?: string;
                from?: string;
                to?: string;
                order?: "newest" | "oldest";
                limit?: number;
                after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: number;
                            at: string;
                            actor: string;
                            action: string;
                            objectType: string;
                            objectId: string;
                            details: {
                                [key: string]: unknown;
                            };
                            position: number | null;
                        }[];
                        next: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    releaseRequest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    note: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        released: number;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    releaseHoldsOfUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    note: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        released: number;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listRequestMessages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            sequence: number;
                            /** @enum {string} */
                            direction: "outbound" | "inbound";
                            /** @enum {string} */
                            kind: "acknowledgement" | "preservation_acknowledgement" | "annex_iii" | "production_notice" | "clarification_answer";
                            title: string;
                            author: string;
                            /** Format: date-time */
                            sentAt: string;
                            inReplyTo: string | null;
                            awaitsAnswer: boolean;
                            answeredAt: string | null;
                            sha256: string;
                            form: {
                                [key: string]: unknown;
                            };
                        }[];
                        clock: {
                            deadlineAt: string | null;
                            pausedSince: string | null;
                        };
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    sendRequestMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    kind: "acknowledgement";
                } | {
                    /** @enum {string} */
                    kind: "preservation_acknowledgement";
                } | {
                    /** @enum {string} */
                    kind: "production_notice";
                } | {
                    /** @enum {string} */
                    kind: "annex_iii";
                    /** @enum {string} */
                    purpose: "inability_to_execute" | "clarification";
                    /** @default [] */
                    reasons?: {
                        /** @enum {string} */
                        code: "incomplete" | "manifest_errors" | "insufficient_information" | "data_not_stored" | "de_facto_impossibility" | "not_competent_authority" | "immunities_or_press_freedom" | "third_country_law" | "other";
                        explanation?: string;
                    }[];
                    question?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        sequence: number;
                        /** @enum {string} */
                        direction: "outbound" | "inbound";
                        /** @enum {string} */
                        kind: "acknowledgement" | "preservation_acknowledgement" | "annex_iii" | "production_notice" | "clarification_answer";
                        title: string;
                        author: string;
                        /** Format: date-time */
                        sentAt: string;
                        inReplyTo: string | null;
                        awaitsAnswer: boolean;
                        answeredAt: string | null;
                        sha256: string;
                        form: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getRequestMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                messageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        sequence: number;
                        /** @enum {string} */
                        direction: "outbound" | "inbound";
                        /** @enum {string} */
                        kind: "acknowledgement" | "preservation_acknowledgement" | "annex_iii" | "production_notice" | "clarification_answer";
                        title: string;
                        author: string;
                        /** Format: date-time */
                        sentAt: string;
                        inReplyTo: string | null;
                        awaitsAnswer: boolean;
                        answeredAt: string | null;
                        sha256: string;
                        form: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getRequestMessagePdf: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                messageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The form as a PDF */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/pdf": string;
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    answerClarification: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                messageId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    answer: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        sequence: number;
                        /** @enum {string} */
                        direction: "outbound" | "inbound";
                        /** @enum {string} */
                        kind: "acknowledgement" | "preservation_acknowledgement" | "annex_iii" | "production_notice" | "clarification_answer";
                        title: string;
                        author: string;
                        /** Format: date-time */
                        sentAt: string;
                        inReplyTo: string | null;
                        awaitsAnswer: boolean;
                        answeredAt: string | null;
                        sha256: string;
                        form: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getEmergencyPage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "queued" | "paging" | "sent" | "failed" | "not_configured" | "not_needed";
                        attempts: number;
                        lastError: string | null;
                        sentAt: string | null;
                        acknowledgedBy: string | null;
                        acknowledgedAt: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    acknowledgeEmergencyPage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "queued" | "paging" | "sent" | "failed" | "not_configured" | "not_needed";
                        attempts: number;
                        lastError: string | null;
                        sentAt: string | null;
                        acknowledgedBy: string | null;
                        acknowledgedAt: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    recordOrderFacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    illegalContentCategory?: "STATEMENT_CATEGORY_ANIMAL_WELFARE" | "STATEMENT_CATEGORY_CONSUMER_INFORMATION" | "STATEMENT_CATEGORY_CYBER_VIOLENCE" | "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN" | "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS" | "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH" | "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS" | "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS" | "STATEMENT_CATEGORY_PROTECTION_OF_MINORS" | "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY" | "STATEMENT_CATEGORY_SCAMS_AND_FRAUD" | "STATEMENT_CATEGORY_SELF_HARM" | "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS" | "STATEMENT_CATEGORY_VIOLENCE" | "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER";
                    /** Format: date-time */
                    receiptConfirmedAt?: string;
                    note?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        illegalContentCategory: string | null;
                        receiptConfirmedAt: string | null;
                        effect: ("given" | "not_executed") | null;
                        effectAt: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getEnforcingState: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        notificationNotRequired: boolean;
                        notification: {
                            enforcingState: string;
                            /** Format: date-time */
                            notifiedAt: string;
                            /** Format: date-time */
                            windowClosesAt: string;
                            emergency: boolean;
                        } | null;
                        answers: {
                            /** @enum {string} */
                            kind: "no_ground" | "refusal" | "objection" | "conditions";
                            grounds: {
                                ground: string;
                                article: string;
                            }[];
                            categories: string[];
                            conditions: string | null;
                            /** Format: date-time */
                            answeredAt: string;
                            inTime: boolean;
                            afterDelivery: boolean;
                        }[];
                        release: {
                            /** @enum {string} */
                            category: "traffic" | "content";
                            /** @enum {string} */
                            status: "release" | "wait" | "refused";
                            until: string | null;
                            reason: string | null;
                        }[];
                        useBarred: string[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    recordEnforcingNotification: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    enforcingState: string;
                    /** Format: date-time */
                    notifiedAt: string;
                    note?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        notificationNotRequired: boolean;
                        notification: {
                            enforcingState: string;
                            /** Format: date-time */
                            notifiedAt: string;
                            /** Format: date-time */
                            windowClosesAt: string;
                            emergency: boolean;
                        } | null;
                        answers: {
                            /** @enum {string} */
                            kind: "no_ground" | "refusal" | "objection" | "conditions";
                            grounds: {
                                ground: string;
                                article: string;
                            }[];
                            categories: string[];
                            conditions: string | null;
                            /** Format: date-time */
                            answeredAt: string;
                            inTime: boolean;
                            afterDelivery: boolean;
                        }[];
                        release: {
                            /** @enum {string} */
                            category: "traffic" | "content";
                            /** @enum {string} */
                            status: "release" | "wait" | "refused";
                            until: string | null;
                            reason: string | null;
                        }[];
                        useBarred: string[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    recordEnforcingAnswer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    kind: "no_ground" | "refusal" | "objection" | "conditions";
                    grounds?: ("immunities_or_privileges" | "press_freedom" | "fundamental_rights" | "ne_bis_in_idem" | "double_criminality")[];
                    categories?: ("traffic" | "content")[];
                    conditions?: string;
                    /** Format: date-time */
                    answeredAt: string;
                    note?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        notificationNotRequired: boolean;
                        notification: {
                            enforcingState: string;
                            /** Format: date-time */
                            notifiedAt: string;
                            /** Format: date-time */
                            windowClosesAt: string;
                            emergency: boolean;
                        } | null;
                        answers: {
                            /** @enum {string} */
                            kind: "no_ground" | "refusal" | "objection" | "conditions";
                            grounds: {
                                ground: string;
                                article: string;
                            }[];
                            categories: string[];
                            conditions: string | null;
                            /** Format: date-time */
                            answeredAt: string;
                            inTime: boolean;
                            afterDelivery: boolean;
                        }[];
                        release: {
                            /** @enum {string} */
                            category: "traffic" | "content";
                            /** @enum {string} */
                            status: "release" | "wait" | "refused";
                            until: string | null;
                            reason: string | null;
                        }[];
                        useBarred: string[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    getPublication: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        requestId: string;
                        shown: {
                            agency?: string;
                            reference?: string;
                            jurisdiction?: string;
                            process?: string;
                            instrument?: string | null;
                            issuedBy?: string | null;
                            receivedAt?: string;
                            categories?: string[];
                            dateRange?: {
                                from: string | null;
                                to: string | null;
                            } | null;
                            nonDisclosureUntil?: string | null;
                            outcome?: string | null;
                        };
                        redactions: {
                            field: string;
                            reason: string;
                        }[];
                        summary: string | null;
                        approvedAt: string | null;
                        version: number;
                        draftedBy: string;
                        draftedAt: string;
                        approvedBy: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    draftPublication: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    redactions: {
                        /** @enum {string} */
                        field: "agency" | "reference" | "jurisdiction" | "process" | "instrument" | "issuedBy" | "receivedAt" | "categories" | "dateRange" | "nonDisclosureUntil" | "outcome";
                        reason: string;
                    }[];
                    summary?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        requestId: string;
                        shown: {
                            agency?: string;
                            reference?: string;
                            jurisdiction?: string;
                            process?: string;
                            instrument?: string | null;
                            issuedBy?: string | null;
                            receivedAt?: string;
                            categories?: string[];
                            dateRange?: {
                                from: string | null;
                                to: string | null;
                            } | null;
                            nonDisclosureUntil?: string | null;
                            outcome?: string | null;
                        };
                        redactions: {
                            field: string;
                            reason: string;
                        }[];
                        summary: string | null;
                        approvedAt: string | null;
                        version: number;
                        draftedBy: string;
                        draftedAt: string;
                        approvedBy: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    approvePublication: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    version: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        requestId: string;
                        shown: {
                            agency?: string;
                            reference?: string;
                            jurisdiction?: string;
                            process?: string;
                            instrument?: string | null;
                            issuedBy?: string | null;
                            receivedAt?: string;
                            categories?: string[];
                            dateRange?: {
                                from: string | null;
                                to: string | null;
                            } | null;
                            nonDisclosureUntil?: string | null;
                            outcome?: string | null;
                        };
                        redactions: {
                            field: string;
                            reason: string;
                        }[];
                        summary: string | null;
                        approvedAt: string | null;
                        version: number;
                        draftedBy: string;
                        draftedAt: string;
                        approvedBy: string | null;
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    listPublications: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        publications: {
                            requestId: string;
                            shown: {
                                agency?: string;
                                reference?: string;
                                jurisdiction?: string;
                                process?: string;
                                instrument?: string | null;
                                issuedBy?: string | null;
                                receivedAt?: string;
                                categories?: string[];
                                dateRange?: {
                                    from: string | null;
                                    to: string | null;
                                } | null;
                                nonDisclosureUntil?: string | null;
                                outcome?: string | null;
                            };
                            redactions: {
                                field: string;
                                reason: string;
                            }[];
                            summary: string | null;
                            approvedAt: string | null;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
    exportPublicationsLumen: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        notices: {
                            id: string;
                            /** @enum {string} */
                            type: "LawEnforcementRequest";
                            title: string;
                            explanation: string;
                            date_sent: null;
                            date_received: string | null;
                            categories: string[];
                            sender_name: string | null;
                            recipient_name: string;
                            works: {
                                subject_of_enforcement_request: string | null;
                                original_work_urls: {
                                    url: string;
                                }[];
                                urls_in_request: {
                                    url: string;
                                }[];
                            }[];
                            tags: string[];
                            jurisdictions: string[];
                            regulations: string[];
                            request_type: string | null;
                        }[];
                    };
                };
            };
            "4XX": components["responses"]["Problem"];
            "5XX": components["responses"]["Unavailable"];
        };
    };
}
