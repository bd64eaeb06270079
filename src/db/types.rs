//! Conversions at the persistence edge: UTC instants stored as naive `TIMESTAMP`, money stored
//! as canonical decimal text so both backends keep it exactly.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;

use crate::error::AppError;

pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Canonical text for a money amount: no exponent, trailing zeros kept as given (scale is part
/// of the value the bidder signed).
pub fn money_to_db(m: Decimal) -> String {
    m.to_string()
}

pub fn money_from_db(s: &str) -> Result<Decimal, AppError> {
    s.parse::<Decimal>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("corrupt money value {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn money_round_trips_exactly(mantissa in any::<i64>(), scale in 0u32..10) {
            let d = Decimal::new(mantissa, scale);
            let back = money_from_db(&money_to_db(d)).unwrap();
            prop_assert_eq!(back, d);
            prop_assert_eq!(back.scale(), d.scale());
        }
    }
}

/// A count or version stored as INTEGER (never negative: the schema's CHECKs and our writes
/// keep it so) as the unsigned number the API speaks.
pub fn unsigned(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}
