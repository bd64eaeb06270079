//! Money: an exact decimal amount in yuan (CNY), serialised as a JSON string so no client ever
//! rounds it through a binary float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An exact, non-negative amount of CNY with at most 2 decimal places (分).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Money(Decimal);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("not a decimal number")]
    NotANumber,
    #[error("must not be negative")]
    Negative,
    #[error("at most 2 decimal places (fen)")]
    TooPrecise,
}

impl Money {
    pub fn new(d: Decimal) -> Result<Money, MoneyError> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(MoneyError::Negative);
        }
        if d.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        Ok(Money(d))
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    pub fn zero() -> Money {
        Money(Decimal::ZERO)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Only plain decimal notation: "1e3" or " 12" are refused rather than guessed at.
        if s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return Err(MoneyError::NotANumber);
        }
        let d = Decimal::from_str_exact(s).map_err(|_| MoneyError::NotANumber)?;
        Money::new(d)
    }
}

impl TryFrom<String> for Money {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Money> for String {
    fn from(m: Money) -> String {
        m.0.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^\d+(\.\d{1,2})?$"))
            .description(Some(
                "Exact amount in CNY as a decimal string, e.g. \"1234567.89\"",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn json_is_a_string() {
        let m: Money = "1234567.89".parse().unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"1234567.89\"");
        let back: Money = serde_json::from_str("\"1234567.89\"").unwrap();
        assert_eq!(back, m);
        assert!(serde_json::from_str::<Money>("1234567.89").is_err());
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!("-1".parse::<Money>(), Err(MoneyError::Negative));
        assert_eq!("1.001".parse::<Money>(), Err(MoneyError::TooPrecise));
        assert_eq!("1e3".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!("".parse::<Money>(), Err(MoneyError::NotANumber));
        assert!("1.10".parse::<Money>().is_ok());
    }

    proptest! {
        #[test]
        fn string_round_trip_is_exact(cents in 0i64..1_000_000_000_000) {
            let m = Money::new(Decimal::new(cents, 2)).unwrap();
            let s: String = m.into();
            prop_assert_eq!(s.parse::<Money>().unwrap(), m);
        }
    }
}
