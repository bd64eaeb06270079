//! The bidder's virtual sub-account (虚拟子账号) for one section's bond.
//!
//! Real trading centres do not let anyone at the platform learn who paid a bond for which
//! tender before the opening: each bidder pays into its own sub-account at the platform's bank,
//! and the bank reports arrivals per account ([`super::bank_notice`]). The number here is
//! random — it derives from nothing a reader could recompute — and which tender, section and
//! organisation it stands for is stored only under the node's KEK (`db::sealing`), found by the
//! blind index of the number (a bank notice) or of (tender, section, organisation) (the
//! bidder asking again). Random rather than derived under the KEK: a derived number would
//! change with a KEK rotation, and the bidder may already have paid into it.

use super::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::types::to_db;
use crate::error::AppResult;
use crate::wire::bids::*;
use ring::rand::{SecureRandom, SystemRandom};

/// Digits after the bank's prefix, before the check digit.
const ACCOUNT_DIGITS: usize = 12;

/// The caller's sub-account for the section, opened on first request.
pub async fn bond_account(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<BondAccount> {
    let org = actor.bidder_org()?;
    let (tender, section, now) = (tender.to_string(), section.to_string(), ctx.clock.now());
    let bonds = ctx.settings.bonds.clone();
    ctx.db
        .write(move |c| {
            let (_row, _draft, sec) = load_section(c, &tender, &section)?;
            crate::app::support::bans::refuse_banned(c, &org, now)?;
            let account = match repo::bond_account_of(c, &tender, &sec.code, &org)? {
                Some(a) => a.account,
                None => {
                    let row = repo::BondAccountRow {
                        account: new_account(&bonds.account_prefix)?,
                        tender_id: tender.clone(),
                        section_code: sec.code.clone(),
                        organisation_id: org.clone(),
                        created_at: to_db(now),
                    };
                    repo::insert_bond_account(c, &row)?;
                    row.account
                }
            };
            Ok(BondAccount {
                bank: bonds.bank_name.clone(),
                account,
                amount: sec.bid_bond,
            })
        })
        .await
}

/// `prefix`, twelve random digits and a Luhn check digit (as bank account numbers carry, so a
/// mistyped transfer bounces at the bank).
fn new_account(prefix: &str) -> AppResult<String> {
    let mut bytes = [0u8; ACCOUNT_DIGITS];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| internal(anyhow::anyhow!("the system random generator failed")))?;
    let mut digits: String = prefix.to_string();
    // 250 = 25 × 10: values below it map to digits without bias.
    for b in bytes {
        let mut v = b;
        while v >= 250 {
            let mut one = [0u8; 1];
            SystemRandom::new()
                .fill(&mut one)
                .map_err(|_| internal(anyhow::anyhow!("the system random generator failed")))?;
            v = one[0];
        }
        digits.push(char::from(b'0' + v % 10));
    }
    digits.push(luhn_digit(&digits));
    Ok(digits)
}

/// The Luhn check digit of `digits`.
pub(crate) fn luhn_digit(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_carry_the_prefix_and_a_luhn_digit() {
        // The classic example: 7992739871 has check digit 3.
        assert_eq!(luhn_digit("7992739871"), '3');
        let a = new_account("621799").unwrap();
        assert_eq!(a.len(), 6 + ACCOUNT_DIGITS + 1);
        assert!(a.starts_with("621799") && a.bytes().all(|b| b.is_ascii_digit()));
        let (body, check) = a.split_at(a.len() - 1);
        assert_eq!(luhn_digit(body).to_string(), check);
        assert_ne!(a, new_account("621799").unwrap());
    }
}
