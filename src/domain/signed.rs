//! Domain-separation labels of the signed statements that are not part of the sealed-bid format
//! (those live in `seal`, `seal::statements`, each as `label ‖ 0x00 ‖ …`). Every byte string a
//! certificate key signs on this platform starts with its purpose's label and a zero byte, and
//! no label is a prefix of another, so a signature made for one purpose never verifies as
//! another. docs/API.md lists them all.

/// Login and registration: the challenge text follows (`etender-auth/v1\naudience:…`).
pub const LOGIN: &[u8] = b"etender-login/v1\0";
/// A tender notice (publication or amendment): the notice text follows.
pub const NOTICE: &[u8] = b"etender-notice/v1\0";
/// A tenderer's entrustment of an agent for one project (委托).
pub const ENTRUSTMENT: &[u8] = b"etender-entrustment/v1\0";
/// An award notice (中标通知书 / 中标结果通知书): the notice's 32-byte digest follows.
pub const AWARD_NOTICE: &[u8] = b"etender-award-notice/v1\0";
/// The written report to the regulator (书面报告, 招标投标法47): its 32-byte digest follows.
pub const AWARD_WRITTEN_REPORT: &[u8] = b"etender-award-written-report/v1\0";

/// A complaint to the supervising department (投诉, 条例60): see `domain::complaint::statement`.
pub const COMPLAINT: &[u8] = b"etender-complaint/v1\0";
/// The department's written decision on a complaint (条例61): `domain::complaint::
/// decision_statement`.
pub const COMPLAINT_DECISION: &[u8] = b"etender-complaint-decision/v1\0";

/// The inspectors' signed record of a 双随机 inspection's results: `domain::inspection::
/// result_statement`.
pub const INSPECTION_RESULT: &[u8] = b"etender-inspection-result/v1\0";

/// `label ‖ message`, the bytes actually signed.
pub fn labelled(label: &[u8], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(label.len() + message.len());
    out.extend_from_slice(label);
    out.extend_from_slice(message);
    out
}
