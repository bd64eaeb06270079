//! The audit trail. Every use-case that changes state calls [`record`] inside its own
//! transaction, so a change and its audit entry commit or vanish together.
//!
//! An entry carries the event type, tender/section, actor (role + pseudonymous id: the
//! principal's UUID, never a name or certificate field), subject, the time by the server clock,
//! and the SHA-256 digest of the full event body. Bodies live in an ordinary table; the Merkle
//! log commits to digests only, so personal data and sealed content never enter leaves.
//!
//! The log itself: [`record`] also queues the event (`audit_pending`) in the same transaction;
//! the [`sequencer`] turns queued events into leaves ([`leaf`]), appends them to the RFC 6962
//! tree ([`merkle`]) stored in the database, and signs a C2SP checkpoint ([`note`]). The
//! [`verify`] module checks an export [`bundle`] offline with nothing but the public key.

pub mod archive;
pub mod bid_states;
pub mod bundle;
pub mod cosignature;
pub mod leaf;
pub mod merkle;
pub mod note;
pub mod proof_text;
pub mod sequencer;
pub mod verify;
pub mod verify_archive_exports;
pub mod verify_artefacts;
pub mod verify_award;
pub mod verify_award_committees;
pub mod verify_award_notices;
pub mod verify_award_publicity;
pub mod verify_award_start;
pub mod verify_cases;
pub mod verify_clarifications;
pub mod verify_committees;
pub mod verify_complaints;
pub mod verify_contracts;
pub mod verify_inspections;
pub mod verify_licence_verdicts;
pub mod verify_licences;
pub mod verify_reports;
pub mod verify_sheets;
pub mod verify_validity;
pub mod witness;

pub use sequencer::{checkpoint_now, AuditLog, AuditSettings};

use chrono::{DateTime, Utc};
use ring::digest;
use serde_json::Value;

use crate::db::repo::audit as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult};

/// What a sealed event's leaf shows in place of its actor id (and, but for bid events, its
/// subject): [`EventType::leaf_parties`].
pub const SEALED_PARTY: &str = "sealed";

/// Every kind of state change. The wire names are stable: verifiers match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    OrganisationRegistered,
    PersonRegistered,
    SessionOpened,
    SessionClosed,
    RoleGranted,
    RoleRevoked,
    StaffAttached,
    StaffInvited,
    StaffDetached,
    EntrustmentSigned,
    EntrustmentRevoked,
    SandboxClockAdjusted,
    SandboxClockStarted,
    TenderCreated,
    TenderDraftUpdated,
    TenderPublished,
    TenderAmended,
    TenderSuspended,
    TenderResumed,
    TenderTerminated,
    TenderCancelled,
    TenderClosed,
    DocumentUploaded,
    DocumentDownloaded,
    QuestionAsked,
    QuestionAnswered,
    ObjectionRaised,
    ObjectionAnswered,
    EnvelopeKeyRegistered,
    BidBondRecorded,
    BidSubmitted,
    BidWithdrawn,
    BidConfirmed,
    OpeningStarted,
    OpeningFailed,
    DecryptionAttempted,
    ShareReleased,
    KeyRecovered,
    OpeningRecordPublished,
    OpeningResponded,
    OpeningResponseAnswered,
    OpeningClosed,
    BidPartRead,
    TenderOpeningFinished,
    ExpertAdmitted,
    ExpertProfileUpdated,
    ExpertStatusChanged,
    DrawRequested,
    DrawContributed,
    DrawContributionMissed,
    DrawMade,
    DrawSeatNotified,
    DrawAnswered,
    DrawRevealed,
    WitnessRegistered,
    DrawCheckedIn,
    DrawSeatReplaced,
    DepartmentRecorded,
    EnforcementOfficerRecorded,
    BiddingBanRecorded,
    ComplaintFiled,
    ComplaintAccepted,
    ComplaintRefused,
    ComplaintPaused,
    ComplaintResumed,
    ComplaintDecided,
    ComplaintWithdrawn,
    SupervisionItemRecorded,
    ComplianceEntryRecorded,
    CheckItemRecorded,
    InspectionPlanRecorded,
    InspectionPlanPublished,
    CreditGradeSet,
    SupervisionSheetImported,
    CaseClueOpened,
    CaseRegistered,
    CaseDeclined,
    CaseEvidenceAdded,
    CaseEvidenceConfirmed,
    CaseReviewed,
    CasePenaltyNotified,
    CaseDefenceSubmitted,
    CaseHearingRequested,
    CaseHearingScheduled,
    CaseHearingHeld,
    CaseTimeExtended,
    CaseDecided,
    CaseServed,
    CaseExecuted,
    CaseClosed,
    CaseWithdrawn,
    CaseNoPenalty,
    CaseTransferred,
    InspectionTasksAssigned,
    InspectionEvidenceAdded,
    InspectionResultsRecorded,
    InspectionResultSigned,
    InspectionResultPublished,
    ContractDrafted,
    ContractTermsEdited,
    PerformanceBondRecorded,
    ContractSignatureAdded,
    ContractSigned,
    ContractReminderSent,
    ContractOverdueFlagged,
    ContractChangeProposed,
    ContractChangeSigned,
    ContractChangeEffective,
    ContractChangeDeclined,
    ContractTerminated,
    ContractCompleted,
    ContractWithdrawn,
    ContractPaymentsImported,
    ContractPerformanceRated,
    ContractPerformanceReplied,
    BidValidityExtensionRequested,
    BidValidityAnswered,
    BidValidityExtensionClosed,
    BidValidityReminderSent,
    BondRefundsDue,
    BondRefunded,
    BondRefundOverdueFlagged,
    CommitteeFormed,
    CommitteeLeaderVoted,
    CommitteeLeaderElected,
    CommitteeMemberLeft,
    CommitteeMemberJoined,
    ClarificationAsked,
    ClarificationAnswered,
    ClarificationDecided,
    RejectionMotionProposed,
    RejectionVoteCast,
    RejectionMotionClosed,
    EvaluationReportGenerated,
    EvaluationReportSigned,
    EvaluationReportVoided,
    EvaluationReportCompleted,
    TenderEvaluationFinished,
    CommitteeTimeRequested,
    CommitteeExtensionRequired,
    CommitteeTimeExtended,
    EvaluationSheetSubmitted,
    EvaluationSheetsRevealed,
    DeviationFlagged,
    DeviationReasonFiled,
    CollusionSignalsComputed,
    AwardStepOpened,
    AwardBallotCast,
    AwardStepClosed,
    AwardDecided,
    AwardWinnerNamed,
    AwardReportGenerated,
    AwardReportSigned,
    AwardReportCompleted,
    AwardBegun,
    TenderAwardProgressed,
    /// Every awarded section's contract is signed: the tender is `contracted`.
    TenderContracted,
    AwardClearingFiled,
    AwardStatementSigned,
    AwardCommitteeFormed,
    AwardCommitteeWitnessed,
    AwardCommitteeMemberLeft,
    AwardCommitteeMemberJoined,
    AwardCandidatesPublished,
    AwardObjectionRaised,
    AwardObjectionAnswered,
    AwardWinnerDroppedOut,
    AwardSentBack,
    AwardNoticesIssued,
    AwardWrittenReportFiled,
    AwardWrittenReportOverdue,
    ArchiveExported,
    /// An organisation's licences fetched from the licence registry (docs/LICENCES.md).
    LicencesFetched,
    /// A section's opened bids' licence verdicts frozen into its evaluation (LICENCES.md §9).
    LicenceVerdictsFrozen,
}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        EventType::OrganisationRegistered,
        EventType::PersonRegistered,
        EventType::SessionOpened,
        EventType::SessionClosed,
        EventType::RoleGranted,
        EventType::RoleRevoked,
        EventType::StaffAttached,
        EventType::StaffInvited,
        EventType::StaffDetached,
        EventType::EntrustmentSigned,
        EventType::EntrustmentRevoked,
        EventType::SandboxClockAdjusted,
        EventType::SandboxClockStarted,
        EventType::TenderCreated,
        EventType::TenderDraftUpdated,
        EventType::TenderPublished,
        EventType::TenderAmended,
        EventType::TenderSuspended,
        EventType::TenderResumed,
        EventType::TenderTerminated,
        EventType::TenderCancelled,
        EventType::TenderClosed,
        EventType::DocumentUploaded,
        EventType::DocumentDownloaded,
        EventType::QuestionAsked,
        EventType::QuestionAnswered,
        EventType::ObjectionRaised,
        EventType::ObjectionAnswered,
        EventType::EnvelopeKeyRegistered,
        EventType::BidBondRecorded,
        EventType::BidSubmitted,
        EventType::BidWithdrawn,
        EventType::BidConfirmed,
        EventType::OpeningStarted,
        EventType::OpeningFailed,
        EventType::DecryptionAttempted,
        EventType::ShareReleased,
        EventType::KeyRecovered,
        EventType::OpeningRecordPublished,
        EventType::OpeningResponded,
        EventType::OpeningResponseAnswered,
        EventType::OpeningClosed,
        EventType::BidPartRead,
        EventType::TenderOpeningFinished,
        EventType::ExpertAdmitted,
        EventType::ExpertProfileUpdated,
        EventType::ExpertStatusChanged,
        EventType::DrawRequested,
        EventType::DrawContributed,
        EventType::DrawContributionMissed,
        EventType::DrawMade,
        EventType::DrawSeatNotified,
        EventType::DrawAnswered,
        EventType::DrawRevealed,
        EventType::WitnessRegistered,
        EventType::DrawCheckedIn,
        EventType::DrawSeatReplaced,
        EventType::DepartmentRecorded,
        EventType::EnforcementOfficerRecorded,
        EventType::BiddingBanRecorded,
        EventType::ComplaintFiled,
        EventType::ComplaintAccepted,
        EventType::ComplaintRefused,
        EventType::ComplaintPaused,
        EventType::ComplaintResumed,
        EventType::ComplaintDecided,
        EventType::ComplaintWithdrawn,
        EventType::SupervisionItemRecorded,
        EventType::ComplianceEntryRecorded,
        EventType::CheckItemRecorded,
        EventType::InspectionPlanRecorded,
        EventType::InspectionPlanPublished,
        EventType::CreditGradeSet,
        EventType::SupervisionSheetImported,
        EventType::CaseClueOpened,
        EventType::CaseRegistered,
        EventType::CaseDeclined,
        EventType::CaseEvidenceAdded,
        EventType::CaseEvidenceConfirmed,
        EventType::CaseReviewed,
        EventType::CasePenaltyNotified,
        EventType::CaseDefenceSubmitted,
        EventType::CaseHearingRequested,
        EventType::CaseHearingScheduled,
        EventType::CaseHearingHeld,
        EventType::CaseTimeExtended,
        EventType::CaseDecided,
        EventType::CaseServed,
        EventType::CaseExecuted,
        EventType::CaseClosed,
        EventType::CaseWithdrawn,
        EventType::CaseNoPenalty,
        EventType::CaseTransferred,
        EventType::InspectionTasksAssigned,
        EventType::InspectionEvidenceAdded,
        EventType::InspectionResultsRecorded,
        EventType::InspectionResultSigned,
        EventType::InspectionResultPublished,
        EventType::ContractDrafted,
        EventType::ContractTermsEdited,
        EventType::PerformanceBondRecorded,
        EventType::ContractSignatureAdded,
        EventType::ContractSigned,
        EventType::ContractReminderSent,
        EventType::ContractOverdueFlagged,
        EventType::ContractChangeProposed,
        EventType::ContractChangeSigned,
        EventType::ContractChangeEffective,
        EventType::ContractChangeDeclined,
        EventType::ContractTerminated,
        EventType::ContractCompleted,
        EventType::ContractWithdrawn,
        EventType::ContractPaymentsImported,
        EventType::ContractPerformanceRated,
        EventType::ContractPerformanceReplied,
        EventType::BidValidityExtensionRequested,
        EventType::BidValidityAnswered,
        EventType::BidValidityExtensionClosed,
        EventType::BidValidityReminderSent,
        EventType::BondRefundsDue,
        EventType::BondRefunded,
        EventType::BondRefundOverdueFlagged,
        EventType::CommitteeFormed,
        EventType::CommitteeLeaderVoted,
        EventType::CommitteeLeaderElected,
        EventType::CommitteeMemberLeft,
        EventType::CommitteeMemberJoined,
        EventType::ClarificationAsked,
        EventType::ClarificationAnswered,
        EventType::ClarificationDecided,
        EventType::RejectionMotionProposed,
        EventType::RejectionVoteCast,
        EventType::RejectionMotionClosed,
        EventType::EvaluationReportGenerated,
        EventType::EvaluationReportSigned,
        EventType::EvaluationReportVoided,
        EventType::EvaluationReportCompleted,
        EventType::TenderEvaluationFinished,
        EventType::CommitteeTimeRequested,
        EventType::CommitteeExtensionRequired,
        EventType::CommitteeTimeExtended,
        EventType::EvaluationSheetSubmitted,
        EventType::EvaluationSheetsRevealed,
        EventType::DeviationFlagged,
        EventType::DeviationReasonFiled,
        EventType::CollusionSignalsComputed,
        EventType::AwardStepOpened,
        EventType::AwardBallotCast,
        EventType::AwardStepClosed,
        EventType::AwardDecided,
        EventType::AwardWinnerNamed,
        EventType::AwardReportGenerated,
        EventType::AwardReportSigned,
        EventType::AwardReportCompleted,
        EventType::AwardBegun,
        EventType::TenderAwardProgressed,
        EventType::TenderContracted,
        EventType::AwardClearingFiled,
        EventType::AwardStatementSigned,
        EventType::AwardCommitteeFormed,
        EventType::AwardCommitteeWitnessed,
        EventType::AwardCommitteeMemberLeft,
        EventType::AwardCommitteeMemberJoined,
        EventType::AwardCandidatesPublished,
        EventType::AwardObjectionRaised,
        EventType::AwardObjectionAnswered,
        EventType::AwardWinnerDroppedOut,
        EventType::AwardSentBack,
        EventType::AwardNoticesIssued,
        EventType::AwardWrittenReportFiled,
        EventType::AwardWrittenReportOverdue,
        EventType::ArchiveExported,
        EventType::LicencesFetched,
        EventType::LicenceVerdictsFrozen,
    ];

    /// Events whose leaf names no tender and no party, and whose body only their actor or
    /// subject may read: bid and bond events until the section's opening (together they would
    /// tell who bids where, and how many), and who was drawn for a committee until the
    /// evaluation starts (`draw_revealed` then publishes every seat and answer in the tender's
    /// chain).
    pub fn is_sealed(self) -> bool {
        matches!(
            self,
            EventType::BidBondRecorded
                | EventType::BidSubmitted
                | EventType::BidWithdrawn
                | EventType::BidConfirmed
                | EventType::DrawSeatNotified
                | EventType::DrawAnswered
                | EventType::DrawCheckedIn
                | EventType::AwardStatementSigned
        )
    }

    /// Events of the committee's deliberation (评标): sheets, clarifications, rejection motions,
    /// deviation reasons and the report while it is signed. 招标投标法44 binds everyone who takes
    /// part in the evaluation not to disclose how bids were reviewed and compared, so the
    /// tender's own parties read these bodies only once the tender has left the evaluation
    /// (their representatives on the committee read them as members); regulators always.
    pub fn is_in_camera(self) -> bool {
        matches!(
            self,
            EventType::EvaluationSheetSubmitted
                | EventType::EvaluationSheetsRevealed
                | EventType::ClarificationAsked
                | EventType::ClarificationAnswered
                | EventType::ClarificationDecided
                | EventType::RejectionMotionProposed
                | EventType::RejectionVoteCast
                | EventType::RejectionMotionClosed
                | EventType::DeviationFlagged
                | EventType::DeviationReasonFiled
                | EventType::EvaluationReportGenerated
                | EventType::EvaluationReportSigned
                | EventType::EvaluationReportVoided
                | EventType::EvaluationReportCompleted
                | EventType::LicenceVerdictsFrozen
        )
    }

    /// The actor id and subject a leaf of this event shows. A sealed event's leaf names
    /// neither party ([`SEALED_PARTY`]); a bid event keeps its subject, the bid's own id, which
    /// names no tender and no bidder and lets the verifier replay the bid's states (the opening
    /// event later lists the bid in its tender's chain). The event row keeps both, so the
    /// party's own trail still finds it.
    pub fn leaf_parties<'a>(self, actor_id: &'a str, subject: &'a str) -> (&'a str, &'a str) {
        match self {
            EventType::BidSubmitted | EventType::BidWithdrawn | EventType::BidConfirmed => {
                (SEALED_PARTY, subject)
            }
            t if t.is_sealed() => (SEALED_PARTY, SEALED_PARTY),
            _ => (actor_id, subject),
        }
    }

    /// The wire names of every sealed event type.
    pub fn sealed_names() -> Vec<String> {
        EventType::ALL
            .iter()
            .filter(|t| t.is_sealed())
            .map(|t| t.as_str().to_owned())
            .collect()
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.iter().copied().find(|e| e.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrganisationRegistered => "organisation_registered",
            EventType::PersonRegistered => "person_registered",
            EventType::SessionOpened => "session_opened",
            EventType::SessionClosed => "session_closed",
            EventType::RoleGranted => "role_granted",
            EventType::RoleRevoked => "role_revoked",
            EventType::StaffAttached => "staff_attached",
            EventType::StaffInvited => "staff_invited",
            EventType::StaffDetached => "staff_detached",
            EventType::EntrustmentSigned => "entrustment_signed",
            EventType::EntrustmentRevoked => "entrustment_revoked",
            EventType::SandboxClockAdjusted => "sandbox_clock_adjusted",
            EventType::SandboxClockStarted => "sandbox_clock_started",
            EventType::TenderCreated => "tender_created",
            EventType::TenderDraftUpdated => "tender_draft_updated",
            EventType::TenderPublished => "tender_published",
            EventType::TenderAmended => "tender_amended",
            EventType::TenderSuspended => "tender_suspended",
            EventType::TenderResumed => "tender_resumed",
            EventType::TenderTerminated => "tender_terminated",
            EventType::TenderCancelled => "tender_cancelled",
            EventType::TenderClosed => "tender_closed",
            EventType::DocumentUploaded => "document_uploaded",
            EventType::DocumentDownloaded => "document_downloaded",
            EventType::QuestionAsked => "question_asked",
            EventType::QuestionAnswered => "question_answered",
            EventType::ObjectionRaised => "objection_raised",
            EventType::ObjectionAnswered => "objection_answered",
            EventType::EnvelopeKeyRegistered => "envelope_key_registered",
            EventType::BidBondRecorded => "bid_bond_recorded",
            EventType::BidSubmitted => "bid_submitted",
            EventType::BidWithdrawn => "bid_withdrawn",
            EventType::BidConfirmed => "bid_confirmed",
            EventType::OpeningStarted => "opening_started",
            EventType::OpeningFailed => "opening_failed",
            EventType::DecryptionAttempted => "decryption_attempted",
            EventType::ShareReleased => "share_released",
            EventType::KeyRecovered => "key_recovered",
            EventType::OpeningRecordPublished => "opening_record_published",
            EventType::OpeningResponded => "opening_responded",
            EventType::OpeningResponseAnswered => "opening_response_answered",
            EventType::OpeningClosed => "opening_closed",
            EventType::BidPartRead => "bid_part_read",
            EventType::TenderOpeningFinished => "tender_opening_finished",
            EventType::ExpertAdmitted => "expert_admitted",
            EventType::ExpertProfileUpdated => "expert_profile_updated",
            EventType::ExpertStatusChanged => "expert_status_changed",
            EventType::DrawRequested => "draw_requested",
            EventType::DrawContributed => "draw_contributed",
            EventType::DrawContributionMissed => "draw_contribution_missed",
            EventType::DrawMade => "draw_made",
            EventType::DrawSeatNotified => "draw_seat_notified",
            EventType::DrawAnswered => "draw_answered",
            EventType::DrawRevealed => "draw_revealed",
            EventType::WitnessRegistered => "witness_registered",
            EventType::DrawCheckedIn => "draw_checked_in",
            EventType::DrawSeatReplaced => "draw_seat_replaced",
            EventType::DepartmentRecorded => "department_recorded",
            EventType::EnforcementOfficerRecorded => "enforcement_officer_recorded",
            EventType::BiddingBanRecorded => "bidding_ban_recorded",
            EventType::ComplaintFiled => "complaint_filed",
            EventType::ComplaintAccepted => "complaint_accepted",
            EventType::ComplaintRefused => "complaint_refused",
            EventType::ComplaintPaused => "complaint_paused",
            EventType::ComplaintResumed => "complaint_resumed",
            EventType::ComplaintDecided => "complaint_decided",
            EventType::ComplaintWithdrawn => "complaint_withdrawn",
            EventType::SupervisionItemRecorded => "supervision_item_recorded",
            EventType::ComplianceEntryRecorded => "compliance_entry_recorded",
            EventType::CheckItemRecorded => "check_item_recorded",
            EventType::InspectionPlanRecorded => "inspection_plan_recorded",
            EventType::InspectionPlanPublished => "inspection_plan_published",
            EventType::CreditGradeSet => "credit_grade_set",
            EventType::SupervisionSheetImported => "supervision_sheet_imported",
            EventType::CaseClueOpened => "case_clue_opened",
            EventType::CaseRegistered => "case_registered",
            EventType::CaseDeclined => "case_declined",
            EventType::CaseEvidenceAdded => "case_evidence_added",
            EventType::CaseEvidenceConfirmed => "case_evidence_confirmed",
            EventType::CaseReviewed => "case_reviewed",
            EventType::CasePenaltyNotified => "case_penalty_notified",
            EventType::CaseDefenceSubmitted => "case_defence_submitted",
            EventType::CaseHearingRequested => "case_hearing_requested",
            EventType::CaseHearingScheduled => "case_hearing_scheduled",
            EventType::CaseHearingHeld => "case_hearing_held",
            EventType::CaseTimeExtended => "case_time_extended",
            EventType::CaseDecided => "case_decided",
            EventType::CaseServed => "case_served",
            EventType::CaseExecuted => "case_executed",
            EventType::CaseClosed => "case_closed",
            EventType::CaseWithdrawn => "case_withdrawn",
            EventType::CaseNoPenalty => "case_no_penalty",
            EventType::CaseTransferred => "case_transferred",
            EventType::InspectionTasksAssigned => "inspection_tasks_assigned",
            EventType::InspectionEvidenceAdded => "inspection_evidence_added",
            EventType::InspectionResultsRecorded => "inspection_results_recorded",
            EventType::InspectionResultSigned => "inspection_result_signed",
            EventType::InspectionResultPublished => "inspection_result_published",
            EventType::ContractDrafted => "contract_drafted",
            EventType::ContractTermsEdited => "contract_terms_edited",
            EventType::PerformanceBondRecorded => "performance_bond_recorded",
            EventType::ContractSignatureAdded => "contract_signature_added",
            EventType::ContractSigned => "contract_signed",
            EventType::ContractReminderSent => "contract_reminder_sent",
            EventType::ContractOverdueFlagged => "contract_overdue_flagged",
            EventType::ContractChangeProposed => "contract_change_proposed",
            EventType::ContractChangeSigned => "contract_change_signed",
            EventType::ContractChangeEffective => "contract_change_effective",
            EventType::ContractChangeDeclined => "contract_change_declined",
            EventType::ContractTerminated => "contract_terminated",
            EventType::ContractCompleted => "contract_completed",
            EventType::ContractWithdrawn => "contract_withdrawn",
            EventType::ContractPaymentsImported => "contract_payments_imported",
            EventType::ContractPerformanceRated => "contract_performance_rated",
            EventType::ContractPerformanceReplied => "contract_performance_replied",
            EventType::BidValidityExtensionRequested => "bid_validity_extension_requested",
            EventType::BidValidityAnswered => "bid_validity_answered",
            EventType::BidValidityExtensionClosed => "bid_validity_extension_closed",
            EventType::BidValidityReminderSent => "bid_validity_reminder_sent",
            EventType::BondRefundsDue => "bond_refunds_due",
            EventType::BondRefunded => "bond_refunded",
            EventType::BondRefundOverdueFlagged => "bond_refund_overdue_flagged",
            EventType::CommitteeFormed => "committee_formed",
            EventType::CommitteeLeaderVoted => "committee_leader_voted",
            EventType::CommitteeLeaderElected => "committee_leader_elected",
            EventType::CommitteeMemberLeft => "committee_member_left",
            EventType::CommitteeMemberJoined => "committee_member_joined",
            EventType::ClarificationAsked => "clarification_asked",
            EventType::ClarificationAnswered => "clarification_answered",
            EventType::ClarificationDecided => "clarification_decided",
            EventType::RejectionMotionProposed => "rejection_motion_proposed",
            EventType::RejectionVoteCast => "rejection_vote_cast",
            EventType::RejectionMotionClosed => "rejection_motion_closed",
            EventType::EvaluationReportGenerated => "evaluation_report_generated",
            EventType::EvaluationReportSigned => "evaluation_report_signed",
            EventType::EvaluationReportVoided => "evaluation_report_voided",
            EventType::EvaluationReportCompleted => "evaluation_report_completed",
            EventType::TenderEvaluationFinished => "tender_evaluation_finished",
            EventType::CommitteeTimeRequested => "committee_time_requested",
            EventType::CommitteeExtensionRequired => "committee_extension_required",
            EventType::CommitteeTimeExtended => "committee_time_extended",
            EventType::EvaluationSheetSubmitted => "evaluation_sheet_submitted",
            EventType::EvaluationSheetsRevealed => "evaluation_sheets_revealed",
            EventType::DeviationFlagged => "deviation_flagged",
            EventType::DeviationReasonFiled => "deviation_reason_filed",
            EventType::CollusionSignalsComputed => "collusion_signals_computed",
            EventType::AwardStepOpened => "award_step_opened",
            EventType::AwardBallotCast => "award_ballot_cast",
            EventType::AwardStepClosed => "award_step_closed",
            EventType::AwardDecided => "award_decided",
            EventType::AwardWinnerNamed => "award_winner_named",
            EventType::AwardReportGenerated => "award_report_generated",
            EventType::AwardReportSigned => "award_report_signed",
            EventType::AwardReportCompleted => "award_report_completed",
            EventType::AwardBegun => "award_begun",
            EventType::TenderAwardProgressed => "tender_award_progressed",
            EventType::TenderContracted => "tender_contracted",
            EventType::AwardClearingFiled => "award_clearing_filed",
            EventType::AwardStatementSigned => "award_statement_signed",
            EventType::AwardCommitteeFormed => "award_committee_formed",
            EventType::AwardCommitteeWitnessed => "award_committee_witnessed",
            EventType::AwardCommitteeMemberLeft => "award_committee_member_left",
            EventType::AwardCommitteeMemberJoined => "award_committee_member_joined",
            EventType::AwardCandidatesPublished => "award_candidates_published",
            EventType::AwardObjectionRaised => "award_objection_raised",
            EventType::AwardObjectionAnswered => "award_objection_answered",
            EventType::AwardWinnerDroppedOut => "award_winner_dropped_out",
            EventType::AwardSentBack => "award_sent_back",
            EventType::AwardNoticesIssued => "award_notices_issued",
            EventType::AwardWrittenReportFiled => "award_written_report_filed",
            EventType::AwardWrittenReportOverdue => "award_written_report_overdue",
            EventType::ArchiveExported => "archive_exported",
            EventType::LicencesFetched => "licences_fetched",
            EventType::LicenceVerdictsFrozen => "licence_verdicts_frozen",
        }
    }
}

/// Who caused a change: a role name and a pseudonymous id (a principal UUID or `system`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorRef {
    pub role: String,
    pub id: String,
}

impl ActorRef {
    pub fn system() -> Self {
        ActorRef {
            role: "system".into(),
            id: "system".into(),
        }
    }
}

/// One state change to record.
#[derive(Clone, Debug)]
pub struct Event {
    pub event_type: EventType,
    pub tender_id: Option<String>,
    pub section_id: Option<String>,
    pub actor: ActorRef,
    pub subject: String,
    pub body: Value,
}

/// Append `event` in the caller's transaction; returns the event id.
///
/// The event's digest ([`event_digest`]) is computed here, where the event is written, and
/// queued with it: the sequencer recomputes it from the stored row and refuses an event that was
/// edited while it waited (see [`sequencer`]).
pub fn record(conn: &mut AnyConnection, now: DateTime<Utc>, event: Event) -> AppResult<String> {
    use chrono::SubsecRound;
    let body = canonical_json(&event.body);
    let id = uuid::Uuid::now_v7().to_string();
    // Microseconds: what both databases store and what the leaf shows, so the digest of the
    // stored row equals the digest computed here.
    let occurred_at = to_db(now.trunc_subsecs(6));
    let row = repo::NewAuditEvent {
        id: id.clone(),
        event_type: event.event_type.as_str().into(),
        tender_id: event.tender_id,
        section_id: event.section_id,
        actor_role: event.actor.role,
        actor_id: event.actor.id,
        subject: event.subject,
        body_digest: sha256_hex(body.as_bytes()),
        body,
        occurred_at,
    };
    let digest = event_digest(&EventFields {
        id: &row.id,
        event_type: &row.event_type,
        tender_id: row.tender_id.as_deref(),
        section_id: row.section_id.as_deref(),
        actor_role: &row.actor_role,
        actor_id: &row.actor_id,
        subject: &row.subject,
        body_sha256: &row.body_digest,
        occurred_at: row.occurred_at,
    });
    // A sealed event's row names no party either (`db::sealing`): its actor and subject are
    // stored as blind indexes (a bid event keeps its bid id, as its leaf does) and both, with
    // the body, in one envelope under the KEK. The digest above is of the event as recorded.
    let mut row = row;
    if event.event_type.is_sealed() {
        use crate::db::sealing::{blind, labels::AUDIT_PARTY};
        let (_, leaf_subject) = event.event_type.leaf_parties(&row.actor_id, &row.subject);
        let keeps_subject = leaf_subject == row.subject;
        let envelope = repo::SealedParts {
            actor_id: row.actor_id.clone(),
            subject: row.subject.clone(),
            body: std::mem::take(&mut row.body),
        };
        let seal = |e: diesel::result::Error| AppError::internal(anyhow::anyhow!(e));
        row.body =
            crate::db::sealing::seal(repo::SEALED_EVENT, &row.id, &envelope).map_err(seal)?;
        row.actor_id = blind(AUDIT_PARTY, &[&envelope.actor_id]).map_err(seal)?;
        if !keeps_subject {
            row.subject = blind(AUDIT_PARTY, &[&envelope.subject]).map_err(seal)?;
        }
    }
    let seq = repo::insert(conn, &row).map_err(AppError::internal)?;
    // Same transaction: an event exists exactly when it is queued for the log.
    crate::db::repo::audit_log::enqueue_event(conn, seq, &digest).map_err(AppError::internal)?;
    Ok(id)
}

/// The fields of an event that its leaf commits to (all but the index and back-links).
#[derive(Clone, Copy, Debug)]
pub struct EventFields<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    pub tender_id: Option<&'a str>,
    pub section_id: Option<&'a str>,
    pub actor_role: &'a str,
    pub actor_id: &'a str,
    pub subject: &'a str,
    pub body_sha256: &'a str,
    pub occurred_at: chrono::NaiveDateTime,
}

impl<'a> EventFields<'a> {
    pub fn of(row: &'a repo::AuditEventRow) -> Self {
        EventFields {
            id: &row.id,
            event_type: &row.event_type,
            tender_id: row.tender_id.as_deref(),
            section_id: row.section_id.as_deref(),
            actor_role: &row.actor_role,
            actor_id: &row.actor_id,
            subject: &row.subject,
            body_sha256: &row.body_digest,
            occurred_at: row.occurred_at,
        }
    }
}

/// Label of the event digest's canonical JSON (domain separation from every other digest).
pub const EVENT_DIGEST_LABEL: &str = "etender-audit-event/v1";

/// Hex SHA-256 of the canonical JSON of an event's fields as written (time as in the leaf).
pub fn event_digest(f: &EventFields<'_>) -> String {
    let v = serde_json::json!({
        "v": EVENT_DIGEST_LABEL,
        "event_id": f.id,
        "event_type": f.event_type,
        "tender_id": f.tender_id,
        "section_id": f.section_id,
        "actor_role": f.actor_role,
        "actor_id": f.actor_id,
        "subject": f.subject,
        "body_sha256": f.body_sha256,
        "occurred_at": leaf::format_time(f.occurred_at),
    });
    sha256_hex(canonical_json(&v).as_bytes())
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data).as_ref())
}

/// Deterministic JSON: object keys sorted by code point at every level, no insignificant
/// whitespace. Digests are computed over this form so any party can recompute them.
pub fn canonical_json(v: &Value) -> String {
    // Written straight into one buffer: a draw's frame has thousands of string leaves, and a
    // String per leaf was a measurable share of recording it (docs/DRAWS.md §8).
    let mut out = Vec::new();
    write_canonical(v, &mut out);
    // serde_json writes UTF-8 and the rest is ASCII punctuation.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_leaf(k.as_str(), out);
                out.push(b':');
                write_canonical(&map[*k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        other => write_leaf(other, out),
    }
}

fn write_leaf<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    // Writing a string, number, bool or null into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_sorts_keys_at_every_level() {
        let v = json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": "x"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"x","d":[{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn digest_is_sha256_of_canonical_form() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
