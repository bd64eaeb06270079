//! Threads: a party raises something about a tender and the tender's side answers it once —
//! questions on the documents (答疑, 条例21) and objections to them (异议, 条例22) today; the
//! evaluation's clarifications, objections to the award and complaints follow the same shape.
//! Who may read a thread is a rule of its kind, decided here.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadKind {
    /// A question on the tender documents; answers are published to everyone.
    Question,
    /// An objection to the tender documents; it suspends the tender until answered.
    Objection,
}

impl ThreadKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ThreadKind::Question => "question",
            ThreadKind::Objection => "objection",
        }
    }

    pub fn parse(s: &str) -> Option<ThreadKind> {
        [ThreadKind::Question, ThreadKind::Objection]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Who is looking at a thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Viewer {
    /// The tender's tenderer, its agent or the agent's staff.
    pub party: bool,
    pub regulator: bool,
    /// The viewer raised this thread.
    pub raiser: bool,
}

/// Whether `viewer` may read a thread of `kind` (answered or not). The raiser's identity is
/// never shown to anyone but the raiser itself (办法 第21条: bidders must not learn of each other).
pub fn visible(kind: ThreadKind, viewer: Viewer, answered: bool) -> bool {
    match kind {
        // Answered questions are public: the answer is part of the documents.
        ThreadKind::Question => viewer.party || viewer.raiser || answered,
        // Objections stay between the objector, the tender's side and the regulators.
        ThreadKind::Objection => viewer.party || viewer.regulator || viewer.raiser,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_become_public_when_answered_objections_never_do() {
        let public = Viewer::default();
        assert!(!visible(ThreadKind::Question, public, false));
        assert!(visible(ThreadKind::Question, public, true));
        assert!(!visible(ThreadKind::Objection, public, true));
        let regulator = Viewer {
            regulator: true,
            ..Viewer::default()
        };
        assert!(visible(ThreadKind::Objection, regulator, false));
        assert!(!visible(ThreadKind::Question, regulator, false));
        for kind in [ThreadKind::Question, ThreadKind::Objection] {
            let raiser = Viewer {
                raiser: true,
                ..Viewer::default()
            };
            let party = Viewer {
                party: true,
                ..Viewer::default()
            };
            assert!(visible(kind, raiser, false) && visible(kind, party, false));
            assert_eq!(ThreadKind::parse(kind.as_str()), Some(kind));
        }
    }
}
