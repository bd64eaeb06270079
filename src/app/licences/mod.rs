//! 免证明 (docs/LICENCES.md): organisations' licences fetched from the licence registry by
//! USCC instead of uploaded scans. A bidder reads and refreshes its own record at any time; a
//! regulator reads any organisation's cached record with its provenance; the operator watches
//! the registry link. The committee's view of a section's bidders is the evaluation's
//! (`app::evaluation::licence_review`): who bid where stays sealed until the opening.

mod mine;
mod organisation;
mod status;

pub use mine::*;
pub use organisation::*;
pub use status::*;
