//! 统一社会信用代码 (unified social credit code, USCC) per GB 32100-2015.
//!
//! A USCC is 18 characters from a 31-character alphabet (digits and upper-case
//! letters without I, O, S, V and Z). The 18th character is a check character over
//! the first 17: `s = Σ value(cᵢ)·3^(i−1) mod 31`, `check = ALPHABET[(31 − s mod 31) mod 31]`.
//!
//! Input is normalised before validation (trim, full-width → half-width, upper-case)
//! because codes are routinely copied from PDF licences and Chinese input methods.
//!
//! Deliberately *not* enforced: the inner GB 11714 organisation-code check over
//! positions 9–17 and the value sets of positions 1–2. Neither is reliably documented
//! and both vary in practice, so rejecting on them would lock out real entities.

use std::fmt;
use std::str::FromStr;

/// The GB 32100 alphabet; a character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights for positions 1..=17: 3^(i−1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Length of a USCC in characters.
pub const USCC_LEN: usize = 18;

/// Why a string is not a valid USCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// After normalisation the code is not 18 characters long (17 for
    /// [`Uscc::with_check_digit`]).
    #[error("a unified social credit code has 18 characters")]
    WrongLength,
    /// The character at `position` (1-based) is not in the GB 32100 alphabet.
    #[error("character {position} is not allowed in a unified social credit code")]
    InvalidCharacter {
        /// 1-based position of the offending character.
        position: usize,
    },
    /// The check character does not match the first 17 characters.
    #[error("check character mismatch: expected {expected}, found {found}")]
    CheckDigitMismatch {
        /// The check character the first 17 characters require.
        expected: char,
        /// The check character that was given.
        found: char,
    },
}

/// A validated, normalised unified social credit code.
///
/// Serialises as its string form; deserialising validates (and normalises).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    /// Normalises and validates `input`.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let code = normalise(input);
        let bytes = code.as_bytes();
        // Count chars, not bytes: a stray multi-byte character must read as a wrong
        // length or an invalid character, never as a byte-offset artefact.
        if code.chars().count() != USCC_LEN {
            return Err(UsccError::WrongLength);
        }
        let values = alphabet_values(&code)?;
        let expected = check_character(&values[..17]);
        let found = char::from(bytes[17]);
        if expected != found {
            return Err(UsccError::CheckDigitMismatch { expected, found });
        }
        Ok(Uscc(code))
    }

    /// Builds a valid code from its first 17 characters by appending the check
    /// character. Intended for generating test and demo data.
    pub fn with_check_digit(first17: &str) -> Result<Uscc, UsccError> {
        let mut code = normalise(first17);
        if code.chars().count() != USCC_LEN - 1 {
            return Err(UsccError::WrongLength);
        }
        let values = alphabet_values(&code)?;
        code.push(check_character(&values));
        Ok(Uscc(code))
    }

    /// Returns true when `input` parses as a valid USCC.
    pub fn is_valid(input: &str) -> bool {
        Uscc::parse(input).is_ok()
    }

    /// The normalised 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: registration authority code (登记管理部门代码).
    pub fn registration_authority(&self) -> char {
        self.char_at(0)
    }

    /// Position 2: institution category code (机构类别代码).
    pub fn institution_category(&self) -> char {
        self.char_at(1)
    }

    /// Positions 3–8: administrative division code of the registering body (GB/T 2260).
    pub fn region_code(&self) -> &str {
        // Invariant: the code is 18 ASCII bytes, so these ranges are in bounds and
        // on char boundaries.
        &self.0[2..8]
    }

    /// Positions 9–17: the subject identifier (the former organisation code, GB 11714).
    pub fn subject_identifier(&self) -> &str {
        &self.0[8..17]
    }

    fn char_at(&self, index: usize) -> char {
        self.0
            .as_bytes()
            .get(index)
            .map_or('\0', |b| char::from(*b))
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Uscc::parse(&value)
    }
}

impl TryFrom<&str> for Uscc {
    type Error = UsccError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Uscc::parse(value)
    }
}

impl From<Uscc> for String {
    fn from(value: Uscc) -> Self {
        value.0
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Trim, map full-width forms (U+FF01..U+FF5E, U+3000) to ASCII, upper-case ASCII.
fn normalise(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => {
                // The full-width block is a fixed offset from ASCII 0x21..0x7E.
                char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Maps each character to its alphabet value. Callers check the length first, so
/// every character is ASCII when this returns Ok.
fn alphabet_values(code: &str) -> Result<Vec<u32>, UsccError> {
    code.chars()
        .enumerate()
        .map(|(i, c)| {
            u8::try_from(c)
                .ok()
                .and_then(|b| ALPHABET.iter().position(|&a| a == b))
                .and_then(|v| u32::try_from(v).ok())
                .ok_or(UsccError::InvalidCharacter { position: i + 1 })
        })
        .collect()
}

/// Check character for 17 alphabet values.
fn check_character(values: &[u32]) -> char {
    let s: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    // The outer `% 31` matters: when s is a multiple of 31 the check value is 0, not 31.
    let index = ((31 - s % 31) % 31) as usize;
    char::from(ALPHABET[index])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standard_example_passes() {
        let code = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.institution_category(), '1');
        assert_eq!(code.region_code(), "350100");
        assert_eq!(code.subject_identifier(), "M000100Y4");
        assert_eq!(code.to_string(), "91350100M000100Y43");
    }

    #[test]
    fn normalises_whitespace_full_width_and_case() {
        let code = Uscc::parse("  ９１３５０１００m０００１００y４３\u{3000}").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert!(Uscc::is_valid("91350100m000100y43"));
    }

    #[test]
    fn reports_errors_precisely() {
        assert_eq!(
            Uscc::parse("91350100M000100Y4"),
            Err(UsccError::WrongLength)
        );
        assert_eq!(Uscc::parse(""), Err(UsccError::WrongLength));
        assert_eq!(
            Uscc::parse("91350100M000100Y433"),
            Err(UsccError::WrongLength)
        );
        // 'I' is excluded from the alphabet.
        assert_eq!(
            Uscc::parse("9135010IM000100Y43"),
            Err(UsccError::InvalidCharacter { position: 8 })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y4中"),
            Err(UsccError::InvalidCharacter { position: 18 })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::CheckDigitMismatch {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn check_value_zero_maps_to_zero_not_out_of_range() {
        // All zeros: s = 0, so the check must be ALPHABET[0] = '0'.
        let code = Uscc::with_check_digit("00000000000000000").unwrap();
        assert_eq!(code.as_str(), "000000000000000000");
    }

    #[test]
    fn with_check_digit_validates_input() {
        assert_eq!(
            Uscc::with_check_digit("91350100M000100Y"),
            Err(UsccError::WrongLength)
        );
        assert_eq!(
            Uscc::with_check_digit("91350100M000100YO"),
            Err(UsccError::InvalidCharacter { position: 17 })
        );
        assert_eq!(
            Uscc::with_check_digit("91350100M000100Y4")
                .unwrap()
                .as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        let code = Uscc::parse("91350100M000100Y43").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"91350100M000100Y43\"");
        let back: Uscc = serde_json::from_str(&json).unwrap();
        assert_eq!(back, code);
        let lower: Uscc = serde_json::from_str("\"91350100m000100y43\"").unwrap();
        assert_eq!(lower, code);
        assert!(serde_json::from_str::<Uscc>("\"91350100M000100Y44\"").is_err());
    }

    fn first17() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET.to_vec()), 17)
            .prop_map(|v| v.into_iter().map(char::from).collect())
    }

    proptest! {
        #[test]
        fn every_generated_code_parses(prefix in first17()) {
            let code = Uscc::with_check_digit(&prefix).unwrap();
            prop_assert_eq!(&code.as_str()[..17], prefix.as_str());
            prop_assert_eq!(Uscc::parse(code.as_str()), Ok(code.clone()));
        }

        #[test]
        fn any_single_substitution_fails(
            prefix in first17(),
            position in 0usize..18,
            replacement in proptest::sample::select(
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_vec()
            ),
        ) {
            let code = Uscc::with_check_digit(&prefix).unwrap();
            let mut bytes = code.as_str().as_bytes().to_vec();
            prop_assume!(bytes[position] != replacement);
            bytes[position] = replacement;
            let mutated = String::from_utf8(bytes).unwrap();
            prop_assert!(Uscc::parse(&mutated).is_err(), "{} should fail", mutated);
        }
    }
}
