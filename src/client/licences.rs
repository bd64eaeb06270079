//! Client calls of 免证明 (docs/LICENCES.md): a bidder's own licence record, the committee's
//! view of a section's bidders, a regulator's read and the registry link's status.

use reqwest::Method;

use super::{urlencode, Client, ClientError};
use crate::wire::licences::{LicenceReview, Licences, RegistryStatus};

/// The path of a section's licence review.
pub fn section_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/licences",
        urlencode(tender),
        urlencode(section)
    )
}

impl Client {
    pub async fn my_licences(&self) -> Result<Licences, ClientError> {
        self.get("/api/v1/licences/mine").await
    }

    pub async fn refresh_my_licences(&self) -> Result<Licences, ClientError> {
        self.call(Method::POST, "/api/v1/licences/mine/refresh", None)
            .await
    }

    pub async fn organisation_licences(&self, uscc: &str) -> Result<Licences, ClientError> {
        self.get(&format!("/api/v1/supervision/licences/{}", urlencode(uscc)))
            .await
    }

    pub async fn registry_status(&self) -> Result<RegistryStatus, ClientError> {
        self.get("/api/v1/registry/status").await
    }

    pub async fn section_licences(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<LicenceReview, ClientError> {
        self.get(&section_path(tender, section)).await
    }

    pub async fn refresh_section_licences(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<LicenceReview, ClientError> {
        let path = format!("{}/refresh", section_path(tender, section));
        self.call(Method::POST, &path, None).await
    }
}
