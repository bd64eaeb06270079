//! Client calls of the award (定标): where a section's award stands.

use super::{urlencode, Client, ClientError};
use crate::wire::award::SectionAward;

/// The path of a section's award.
pub fn award_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/award",
        urlencode(tender),
        urlencode(section)
    )
}

impl Client {
    pub async fn award(&self, tender: &str, section: &str) -> Result<SectionAward, ClientError> {
        self.get(&award_path(tender, section)).await
    }
}
