//! The wire types: every body the API sends or receives, defined once and shared by the HTTP
//! layer (which documents them in OpenAPI), the use-cases (which return them) and the client
//! (which decodes them). States are enums here, never strings; a type that changes shape
//! changes for the server, the document and the client in one edit.

pub mod artefacts;
pub mod audit;
pub mod award;
pub mod award_committee;
pub mod award_notices;
pub mod award_publicity;
pub mod award_rounds;
pub mod bids;
pub mod cases;
pub mod clarifications;
pub mod collusion;
pub mod contracts;
pub mod draws;
pub mod evaluation;
pub mod experts;
pub mod identity;
pub mod inspections;
pub mod licences;
pub mod opening;
pub mod oversight;
pub mod sandbox;
pub mod supervision;
pub mod tenders;
pub mod treasury;
pub mod validity;

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// A page of a keyset-paginated list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}

/// A JSON document the server stored as `T`'s own serialisation and sends as stored: a read
/// copies the text instead of parsing it into `T` and serialising it again (on a page of the
/// public tender list that round trip was a quarter of the server's work). Immutable documents
/// only — a signed version's published draft. Clients `decode` it; OpenAPI documents the field
/// as `T` (`#[schema(value_type = T)]` where it is used).
pub struct Stored<T> {
    raw: Box<RawValue>,
    of: PhantomData<fn() -> T>,
}

impl<T> Stored<T> {
    /// Wrap stored text; refuses text that is not JSON.
    pub fn from_json(text: String) -> serde_json::Result<Stored<T>> {
        Ok(Stored {
            raw: RawValue::from_string(text)?,
            of: PhantomData,
        })
    }

    pub fn json(&self) -> &str {
        self.raw.get()
    }

    pub fn decode(&self) -> serde_json::Result<T>
    where
        T: DeserializeOwned,
    {
        serde_json::from_str(self.raw.get())
    }
}

impl<T> Clone for Stored<T> {
    fn clone(&self) -> Self {
        Stored {
            raw: self.raw.clone(),
            of: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Stored<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Stored").field(&self.raw.get()).finish()
    }
}

impl<T> Serialize for Stored<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Stored<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Stored {
            raw: Box::<RawValue>::deserialize(deserializer)?,
            of: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tender::TenderDraft;

    /// Sending the stored text is sending what parse-and-serialise sent: the published draft
    /// is stored as `TenderDraft`'s own serialisation, which a round trip reproduces exactly.
    #[test]
    fn a_stored_draft_is_sent_exactly_as_parsing_and_serialising_it_would() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-02T01:02:03.456Z")
            .unwrap()
            .to_utc();
        let ids = ["a".to_string(), "b".to_string(), "c".to_string()];
        let draft: TenderDraft =
            serde_json::from_value(crate::demo::tenders::demo_draft(now, &ids)).unwrap();
        let stored = serde_json::to_string(&draft).unwrap();
        let reparsed: TenderDraft = serde_json::from_str(&stored).unwrap();
        let wrapped = Stored::<TenderDraft>::from_json(stored.clone()).unwrap();
        assert_eq!(serde_json::to_string(&wrapped).unwrap(), stored);
        assert_eq!(serde_json::to_string(&reparsed).unwrap(), stored);
        assert_eq!(
            serde_json::to_value(&wrapped).unwrap(),
            serde_json::to_value(&reparsed).unwrap()
        );
        let back: Stored<TenderDraft> = serde_json::from_str(&stored).unwrap();
        assert_eq!(back.json(), stored);
        assert_eq!(
            serde_json::to_string(&back.decode().unwrap()).unwrap(),
            stored
        );
        assert!(Stored::<TenderDraft>::from_json("{not json".into()).is_err());
    }
}
