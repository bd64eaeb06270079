//! Client call of the section's collusion signals (committee members while evaluating,
//! regulators).

use super::{urlencode, Client, ClientError};
use crate::wire::collusion::CollusionSignals;

/// The path of a section's collusion signals.
pub fn signals_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/collusion-signals",
        urlencode(tender),
        urlencode(section)
    )
}

impl Client {
    pub async fn collusion_signals(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<CollusionSignals, ClientError> {
        self.get(&signals_path(tender, section)).await
    }
}
