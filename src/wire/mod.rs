//! The wire types: every body the API sends or receives, defined once and shared by the HTTP
//! layer (which documents them in OpenAPI), the use-cases (which return them) and the client
//! (which decodes them). States are enums here, never strings; a type that changes shape
//! changes for the server, the document and the client in one edit.

pub mod audit;
pub mod bids;
pub mod identity;
pub mod opening;
pub mod sandbox;
pub mod tenders;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A page of a keyset-paginated list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}
