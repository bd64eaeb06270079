//! Client calls of supervision (issue 15): the working-day calendar and the 执法人员库.

use reqwest::Method;

use super::{urlencode, Client, ClientError};
use crate::wire::supervision::{Calendar, Officer, OfficerRequest};

impl Client {
    /// The holiday notices working days are counted by (public).
    pub async fn calendar(&self) -> Result<Calendar, ClientError> {
        self.get("/api/v1/calendar").await
    }

    /// Record `person` as an officer of `department` (the trading centre).
    pub async fn put_officer(
        &self,
        department: &str,
        person: &str,
        req: &OfficerRequest,
    ) -> Result<Officer, ClientError> {
        let path = format!(
            "/api/v1/departments/{}/officers/{}",
            urlencode(department),
            urlencode(person)
        );
        self.send(Method::PUT, &path, Some(req)).await
    }

    /// A department's officers (regulators and the trading centre).
    pub async fn officers(&self, department: &str) -> Result<Vec<Officer>, ClientError> {
        self.get(&format!(
            "/api/v1/departments/{}/officers",
            urlencode(department)
        ))
        .await
    }
}
