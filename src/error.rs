//! The one error type that crosses layers, with stable snake_case codes.
//!
//! Clients and tests match on [`ErrorCode`], never on messages, so a code once published is never
//! renamed. Each code carries its HTTP status and a short title; `http::problem` turns an
//! [`AppError`] into an RFC 9457 problem document. Server-side failures keep their cause for the
//! log but never show it to the caller.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $wire:literal => ($status:expr, $title:expr)
    ),+ $(,)?) => {
        /// Stable, documented error codes (the `code` member of every problem document).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorCode { $( $(#[$doc])* #[serde(rename = $wire)] $variant ),+ }

        impl ErrorCode {
            /// Every code, in declaration order (used by docs and tests).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// HTTP status the code is served with.
            pub fn status(self) -> u16 { match self { $(ErrorCode::$variant => $status),+ } }

            /// Short human title (RFC 9457 `title`).
            pub fn title(self) -> &'static str { match self { $(ErrorCode::$variant => $title),+ } }

            /// The snake_case wire name.
            pub fn as_str(self) -> &'static str { match self { $(ErrorCode::$variant => $wire),+ } }
        }
    };
}

error_codes! {
    // --- request shape ---
    /// The JSON body could not be parsed or has the wrong shape.
    MalformedBody = "malformed_body" => (400, "Malformed request body"),
    /// A path or query parameter is malformed.
    MalformedParameter = "malformed_parameter" => (400, "Malformed parameter"),
    /// The body exceeds the configured limit.
    BodyTooLarge = "body_too_large" => (413, "Request body too large"),
    /// The media type is not accepted by this endpoint.
    UnsupportedMediaType = "unsupported_media_type" => (415, "Unsupported media type"),
    /// One or more fields failed validation; see `errors`.
    ValidationFailed = "validation_failed" => (422, "Validation failed"),
    // --- authentication ---
    /// No bearer token was presented.
    Unauthenticated = "unauthenticated" => (401, "Authentication required"),
    /// The bearer token is unknown, malformed or revoked.
    TokenInvalid = "token_invalid" => (401, "Invalid token"),
    /// The bearer token has expired.
    TokenExpired = "token_expired" => (401, "Token expired"),
    /// The login challenge does not exist.
    ChallengeUnknown = "challenge_unknown" => (401, "Unknown challenge"),
    /// The login challenge has expired.
    ChallengeExpired = "challenge_expired" => (401, "Challenge expired"),
    /// The login challenge was already used.
    ChallengeReplayed = "challenge_replayed" => (401, "Challenge already used"),
    /// The signature over the challenge does not verify.
    SignatureInvalid = "signature_invalid" => (401, "Signature does not verify"),
    /// The signature algorithm is unknown or does not fit the certificate key.
    SignatureAlgorithmUnsupported = "signature_algorithm_unsupported"
        => (400, "Unsupported signature algorithm"),
    /// The certificate (chain) could not be parsed.
    CertificateMalformed = "certificate_malformed" => (400, "Malformed certificate"),
    /// The certificate has expired.
    CertificateExpired = "certificate_expired" => (401, "Certificate expired"),
    /// The certificate is not yet valid.
    CertificateNotYetValid = "certificate_not_yet_valid" => (401, "Certificate not yet valid"),
    /// The certificate is listed in its issuer's CRL.
    CertificateRevoked = "certificate_revoked" => (401, "Certificate revoked"),
    /// The certificate does not chain to a configured trust anchor.
    CertificateUntrusted = "certificate_untrusted" => (401, "Certificate not trusted"),
    /// The certificate's key usage does not allow signing.
    CertificateKeyUsage = "certificate_key_usage" => (401, "Certificate key usage not permitted"),
    /// The certificate uses an algorithm or key size the platform does not accept.
    CertificateAlgorithmUnsupported = "certificate_algorithm_unsupported"
        => (401, "Certificate algorithm not supported"),
    /// The issuer's revocation status could not be established.
    CertificateRevocationUnknown = "certificate_revocation_unknown"
        => (401, "Certificate revocation status unknown"),
    /// The certificate carries no unified social credit code where configured.
    UsccMissing = "uscc_missing" => (422, "USCC missing from certificate"),
    /// The unified social credit code fails the GB 32100 check.
    UsccInvalid = "uscc_invalid" => (422, "Invalid unified social credit code"),
    /// An organisation's certificate used as a person's, or the reverse (told apart by the
    /// certificate policies in `identity.*_certificate_policies`).
    CertificateWrongKind = "certificate_wrong_kind" => (422, "Certificate of the wrong kind"),
    /// The certificate carries no personal identifier where configured.
    PersonIdMissing = "person_id_missing" => (422, "Personal identifier missing from certificate"),
    /// The certificate's subject is not registered on the platform.
    NotRegistered = "not_registered" => (401, "Not registered"),
    // --- authorisation ---
    /// Authenticated, but the role or relationship does not permit this.
    Forbidden = "forbidden" => (403, "Forbidden"),
    /// An agent acting for a tenderer without the tenderer's live entrustment (委托) for the
    /// project: none given, another agent's, revoked, or already used for another tender.
    NotEntrusted = "not_entrusted" => (403, "Not entrusted"),
    /// A regulator acts only on the tenders its department supervises (执法人员库,
    /// docs/SUPERVISION.md §3).
    OtherDepartment = "other_department" => (403, "Another department's tender"),
    /// The organisation is under a decided bidding ban (取消投标资格) for its term
    /// (docs/SUPERVISION.md §4).
    BiddingBanned = "bidding_banned" => (403, "Bidding banned"),
    /// The tender's own tenderer or agent (or their staff) may never bid on it.
    ConflictOfInterest = "conflict_of_interest" => (403, "Conflict of interest"),
    // --- resources and state ---
    /// The resource does not exist (or is not visible to the caller).
    NotFound = "not_found" => (404, "Not found"),
    /// The route does not exist.
    RouteNotFound = "route_not_found" => (404, "No such route"),
    /// The method is not allowed on this route.
    MethodNotAllowed = "method_not_allowed" => (405, "Method not allowed"),
    /// The subject is already registered.
    AlreadyRegistered = "already_registered" => (409, "Already registered"),
    /// The change conflicts with the current state.
    Conflict = "conflict" => (409, "Conflict"),
    /// The change would break the state machine (e.g. amending a draft, answering twice).
    InvalidStateTransition = "invalid_state_transition" => (409, "Invalid state transition"),
    /// The bid deadline has passed (judged by the server clock).
    DeadlinePassed = "deadline_passed" => (409, "Deadline passed"),
    /// The bid's validity (投标有效期) has ended: it was not extended, or its bidder declined.
    BidValidityEnded = "bid_validity_ended" => (409, "Bid validity ended"),
    /// Unanswered objections keep the tender suspended.
    ObjectionsPending = "objections_pending" => (409, "Objections pending"),
    /// A time limit that must be over first is not over yet (judged by the server clock), e.g.
    /// the award result's publicity before the notices.
    DeadlineNotReached = "deadline_not_reached" => (409, "Deadline not reached"),
    /// A working-day limit reaches into a year whose holiday notice the calendar lacks
    /// (`[calendar] files`, docs/SUPERVISION.md §1): never guessed; the operator adds the year.
    CalendarNotCovered = "calendar_not_covered" => (409, "Working-day calendar not covered"),
    /// 条例60: a complaint about the documents, the opening or the evaluation result needs a prior
    /// objection to the tenderer on the matter (docs/SUPERVISION.md §5).
    ComplaintNeedsObjection = "complaint_needs_objection" => (422, "Prior objection required"),
    /// The objection the complaint rests on may still be answered: the tenderer has its say first.
    ObjectionAwaitingAnswer = "objection_awaiting_answer" => (409, "Objection awaiting answer"),
    /// 条例60: more than 10 days since the complainant knew (the objection's answer period not
    /// counted).
    ComplaintTooLate = "complaint_too_late" => (409, "Complaint too late"),
    /// An upheld complaint names a step to redo that the tender is not at (e.g. a new award
    /// round for a section not in its publicity).
    RedoNotPossible = "redo_not_possible" => (409, "Step to redo not possible"),
    /// A statutory or platform rule refuses the request; `errors[].code` names each rule.
    RuleViolation = "rule_violation" => (422, "Rule violation"),
    /// The Idempotency-Key was used before with a different request.
    IdempotencyKeyReused = "idempotency_key_reused" => (422, "Idempotency key reused"),
    /// The uploaded file exceeds its limit.
    FileTooLarge = "file_too_large" => (413, "File too large"),
    /// The audit event is not yet integrated into the Merkle log; retry shortly.
    AuditEntryPending = "audit_entry_pending" => (409, "Audit entry pending"),
    /// The sandbox clock is disabled on this server.
    SandboxDisabled = "sandbox_disabled" => (409, "Sandbox disabled"),
    // --- bids and opening ---
    /// The tender is not accepting bids in its current state.
    NotAcceptingBids = "not_accepting_bids" => (409, "Not accepting bids"),
    /// The bid manifest is malformed or does not fit the tender, section, bidder or remedy policy.
    BidManifestInvalid = "bid_manifest_invalid" => (422, "Bid manifest invalid"),
    /// The manifest's outer signature or envelope-key statement does not verify with the
    /// certificate.
    BidSignatureInvalid = "bid_signature_invalid" => (422, "Bid signature invalid"),
    /// The manifest's `bid_version` is not the bidder's next version.
    BidVersionMismatch = "bid_version_mismatch" => (409, "Bid version mismatch"),
    /// A data key, nonce prefix or wrap key of the bid was seen before.
    BidKeyReused = "bid_key_reused" => (422, "Bid key reused"),
    /// The certificate's USCC is not the bidding organisation's.
    CertificateSubjectMismatch = "certificate_subject_mismatch"
        => (403, "Certificate subject mismatch"),
    /// The section requires a bid bond that has not been recorded in full.
    BidBondMissing = "bid_bond_missing" => (422, "Bid bond missing"),
    /// The bidder has no current bid for the section.
    NoBid = "no_bid" => (404, "No bid"),
    /// `Upload-Offset` differs from what the server has received.
    UploadOffsetMismatch = "upload_offset_mismatch" => (409, "Upload offset mismatch"),
    /// More bytes than the manifest declares for the part.
    PartTooLong = "part_too_long" => (422, "Part too long"),
    /// The received part does not hash to the manifest's ciphertext digest.
    PartDigestMismatch = "part_digest_mismatch" => (422, "Part digest mismatch"),
    /// Submission before every part is complete.
    UploadIncomplete = "upload_incomplete" => (409, "Upload incomplete"),
    /// The upload was submitted or abandoned.
    UploadClosed = "upload_closed" => (409, "Upload closed"),
    /// A signed statement (envelope key, withdrawal, confirmation, key or share release) does not
    /// verify.
    StatementSignatureInvalid = "statement_signature_invalid"
        => (422, "Statement signature invalid"),
    /// The opening ceremony is not in the phase this action belongs to.
    OpeningPhase = "opening_phase" => (409, "Wrong opening phase"),
    /// This custodian already released its share of that bid: a release is final.
    ShareAlreadyReleased = "share_already_released" => (409, "Share already released"),
    /// The bidding organisation's staff includes one of the tender's remedy custodians
    /// (`tenders.custodian_independence`).
    CustodianConflict = "custodian_conflict" => (403, "Custodian conflict"),
    /// Another request is writing this part right now; the first keeps it. Retry after it ends.
    UploadBusy = "upload_busy" => (409, "Part upload in progress"),
    /// The manifest exceeds the tender's declared limits (parts, part size, bid size); see
    /// `errors[]`.
    BidTooLarge = "bid_too_large" => (422, "Bid exceeds the tender's limits"),
    /// The bidder already has as many open uploads (or open bytes) as the platform allows.
    UploadQuotaExceeded = "upload_quota_exceeded" => (409, "Upload quota exceeded"),
    /// The request body sent nothing for `limits.body_idle_timeout_secs`; what arrived before is
    /// kept (resume from the offset in `errors[0]`).
    BodyIdleTimeout = "body_idle_timeout" => (408, "Request body idle"),
    /// The bidder has as many part uploads in flight as allowed; retry after `Retry-After`.
    TooManyUploads = "too_many_uploads" => (429, "Too many concurrent uploads"),
    // --- evaluation ---
    /// A score outside its item's points (below 0, above the maximum, or finer than 0.01).
    ScoreOutOfRange = "score_out_of_range" => (422, "Score out of range"),
    /// A sheet that misses or invents a bid, item or checklist line, or names one twice.
    SheetIncomplete = "sheet_incomplete" => (422, "Sheet incomplete"),
    /// A 初步评审 sheet judges a bid that failed qualification automatically on its frozen
    /// registry licence verdicts (docs/LICENCES.md §9); `errors[]` names the bid and the reason.
    LicenceNotMet = "licence_not_met" => (422, "Bid failed qualification on its licences"),
    /// A clarification answer that states a price other than the bid's (or a proposed
    /// correction's): 招标投标法39 forbids changing the price by clarification.
    ClarificationChangesPrice = "clarification_changes_price"
        => (422, "Clarification changes the price"),
    /// A rejection (否决投标) or a failed 初步评审 line without a statutory reason code of
    /// 条例51 and a written reason.
    RejectionReasonRequired = "rejection_reason_required"
        => (422, "Statutory rejection reason required"),
    /// A 定性评审 recommendation or remark without its written 择优 / 比劣 text.
    RemarkRequired = "remark_required" => (422, "Written remark required"),
    /// A priced adjustment applied more often than it allows, or one the tender does not have.
    AdjustmentOutOfRange = "adjustment_out_of_range" => (422, "Adjustment out of range"),
    /// The committee breaks 招标投标法37 (at least 5, odd, experts at least two thirds);
    /// `errors[].code` names each rule broken.
    CommitteeCompositionInvalid = "committee_composition_invalid"
        => (422, "Committee composition invalid"),
    /// Candidates tie after every tie-break; a lot must be drawn among the bids named in
    /// `errors[]` before the candidates can be named.
    LotRequired = "lot_required" => (409, "Lot required"),
    /// K of the price formula is not drawn yet (the lottery committed at the opening waits for
    /// the supervising regulator's value or the fallback).
    KNotDrawn = "k_not_drawn" => (409, "K not drawn yet"),
    /// The report cannot be generated yet: a stage's sheets, an open motion, an unanswered
    /// clarification or an unexplained deviation flag is outstanding (named in the detail).
    EvaluationIncomplete = "evaluation_incomplete" => (409, "Evaluation incomplete"),
    /// A sheet of a stage that is not open yet: the method's second stage waits until every
    /// active member's 初步评审 sheet is in and revealed.
    StageNotOpen = "stage_not_open" => (409, "Evaluation stage not open"),
    /// The committee's sheets of a stage are hidden until every active member's is in, and
    /// from a member until it has submitted its own.
    SheetsHidden = "sheets_hidden" => (409, "Sheets hidden"),
    /// A ballot, opinion or decision names a bid that is not among the candidates the award
    /// step asks about, or names the wrong number of them.
    NotACandidate = "not_a_candidate" => (422, "Not a candidate of this round"),
    /// This member has cast its ballot (or filed its opinion) in this round already; a ballot
    /// is never changed.
    BallotAlreadyCast = "ballot_already_cast" => (409, "Ballot already cast"),
    /// Only the award committee's members vote, give opinions and sign the 定标报告 (and only
    /// its chair decides a deliberation).
    NotAnAwardMember = "not_an_award_member" => (403, "Not an award-committee member"),
    /// The award round (or step) is closed: its ballots are counted.
    RoundClosed = "round_closed" => (409, "Round closed"),
    /// The section's award is not at a stage where this step follows (`domain::award::stage`);
    /// the detail names the stage.
    AwardStage = "award_stage" => (409, "Wrong award stage"),
    // --- award publicity (条例54–55) ---
    /// An objection to the result outside its publicity window (before it starts, at or after
    /// its end).
    PublicityNotOpen = "publicity_not_open" => (409, "Publicity not open"),
    /// The award waits until the publicity has ended.
    PublicityNotOver = "publicity_not_over" => (409, "Publicity not over"),
    /// The tender requires the first-ranked candidate (state-owned, must be tendered; 条例55).
    RankOneRequired = "rank_one_required" => (422, "Rank one required"),
    /// Awarding another than the first-ranked candidate needs a written reason.
    AwardReasonRequired = "award_reason_required" => (422, "Award reason required"),
    // --- the award's edges ---
    /// A member of the section's evaluation committee named for its award committee: 评定分离
    /// keeps who evaluates apart from who decides.
    EvaluatorOnAwardCommittee = "evaluator_on_award_committee"
        => (422, "Evaluator on the award committee"),
    /// The award committee's deciding has started (the 定标会议 is convened): a member who
    /// leaves is no longer replaced; its ballots are recorded as missing.
    AwardDecidingStarted = "award_deciding_started" => (409, "Award deciding started"),
    // --- contracts (docs/CONTRACTS.md) ---
    /// A change touches a term locked to the tender and the winning bid (条例57) that its reason
    /// does not allow (or the tenderer edits one in the draft); the detail names the terms.
    LockedTerm = "locked_term" => (422, "Locked contract term"),
    /// The tender asks for a performance bond (履约保证金) and none is recorded yet.
    PerformanceBondMissing = "performance_bond_missing" => (409, "Performance bond missing"),
    /// Another change of the contract waits for its signatures: one at a time.
    ChangePending = "change_pending" => (409, "Change pending"),
    // --- rate limits ---
    /// Too many anonymous requests of this kind from this address; retry after `Retry-After`.
    RateLimited = "rate_limited" => (429, "Rate limited"),
    // --- server ---
    /// The database (or another dependency) is unavailable; retry later.
    ServiceUnavailable = "service_unavailable" => (503, "Service unavailable"),
    /// This node is receiving as many uploads as it takes; retry after `Retry-After`.
    ServerBusy = "server_busy" => (503, "Server busy"),
    /// An unexpected server error. Details are in the server log under the request id.
    Internal = "internal" => (500, "Internal server error"),
}

/// The schema lists the wire names the server sends, each with its status, generated from the
/// table above (a derive would list the Rust names).
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let table = ErrorCode::ALL
            .iter()
            .map(|c| format!("- `{}` ({}): {}", c.as_str(), c.status(), c.title()))
            .collect::<Vec<_>>()
            .join("\n");
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some(format!(
                "Stable error code (the `code` member of every problem document); a code is \
                 never renamed. Status of each:\n{table}"
            )))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field-level problem inside a `validation_failed` error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer-ish path of the offending field, e.g. `roles[0]`.
    pub field: String,
    /// Machine-readable rule name, e.g. `required`, `too_long`.
    pub code: String,
    /// Human explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An error with a stable code, a caller-safe detail, and (for server faults) a hidden cause.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Logged, never returned to the caller.
    pub cause: Option<anyhow::Error>,
    /// Seconds for the `Retry-After` header (load shedding and rate limits).
    pub retry_after: Option<u64>,
}

/// Result alias used by `app` and `http`.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        AppError {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            cause: None,
            retry_after: None,
        }
    }

    /// A refusal to try again after `secs` seconds (sent as `Retry-After`).
    pub fn retry_after(code: ErrorCode, detail: impl Into<String>, secs: u64) -> Self {
        AppError {
            retry_after: Some(secs.max(1)),
            ..Self::new(code, detail)
        }
    }

    /// A server-side failure: the cause goes to the log, the caller sees a generic message.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError {
            code: ErrorCode::Internal,
            detail: "an unexpected error occurred; quote the request id when reporting it".into(),
            errors: Vec::new(),
            cause: Some(cause.into()),
            retry_after: None,
        }
    }

    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        AppError {
            code: ErrorCode::ServiceUnavailable,
            detail: "a backing service is unavailable; retry shortly".into(),
            errors: Vec::new(),
            cause: Some(cause.into()),
            retry_after: None,
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, what)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, detail)
    }

    /// A `validation_failed` error from a list of field errors.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        AppError {
            code: ErrorCode::ValidationFailed,
            detail,
            errors,
            cause: None,
            retry_after: None,
        }
    }

    /// A single-field validation error.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }

    /// A `rule_violation` naming the rule in `errors[0].code`.
    pub fn rule(field: &str, rule: &str, message: impl Into<String>) -> Self {
        let mut e = Self::field(field, rule, message);
        e.code = ErrorCode::RuleViolation;
        e
    }

    pub fn is_server_error(&self) -> bool {
        self.code.status() >= 500
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl std::error::Error for AppError {}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<crate::domain::calendar::NotCovered> for AppError {
    fn from(e: crate::domain::calendar::NotCovered) -> Self {
        AppError::new(ErrorCode::CalendarNotCovered, e.to_string())
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::unavailable(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(
                s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{s}"
            );
            assert!(seen.insert(s), "duplicate {s}");
            assert!((400..600).contains(&c.status()));
        }
    }
}
