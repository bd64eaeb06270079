//! Signed statements of the bidding protocol that live outside the envelope.
//!
//! `docs/BIDDING.md` defines them; the client signs these bytes and the server
//! verifies the same bytes, so both sides must call these functions rather than
//! re-encode by hand. They use the envelope's binary encoding (`encoding`):
//! a NUL-terminated label first, so that a signature made for one statement can
//! never be replayed as another (or as a part of a sealed bid), then u64-length
//! prefixed strings and big-endian integers. As in `bid`, nothing here is JSON.

use super::encoding::{sha256, Enc};
use super::wrap::X25519PublicKey;

/// Label of [`custodian_key_payload`].
pub const CUSTODIAN_KEY_LABEL: &str = "etender-custodian-key/v1";
/// Label of [`withdrawal_payload`].
pub const WITHDRAWAL_LABEL: &str = "etender-bid-withdraw/v1";
/// Label of [`confirmation_payload`].
pub const CONFIRMATION_LABEL: &str = "etender-bid-confirm/v1";
/// Label of [`share_release_payload`].
pub const SHARE_RELEASE_LABEL: &str = "etender-share-release/v2";

/// A custodian registers its X25519 envelope key, signed with its personal
/// certificate key. The person id binds the key to one platform account, so a
/// statement copied to another account does not verify.
///
/// `label("etender-custodian-key/v1") ‖ var(person_id) ‖ public_key (32)`
pub fn custodian_key_payload(person_id: &str, public_key: &X25519PublicKey) -> Vec<u8> {
    let mut e = Enc::with_label(CUSTODIAN_KEY_LABEL);
    e.str(person_id).fixed(&public_key.0);
    e.into_bytes()
}

/// A bidder withdraws (撤回) its current bid. The version and manifest digest
/// pin exactly which bid is withdrawn, so a withdrawal of version 1 cannot be
/// replayed against a replacement.
///
/// `label("etender-bid-withdraw/v1") ‖ var(tender_id) ‖ var(section) ‖ var(bidder_uscc) ‖
/// bid_version u32 ‖ manifest_sha256 (32)`
pub fn withdrawal_payload(
    tender_id: &str,
    section: &str,
    bidder_uscc: &str,
    bid_version: u32,
    manifest_sha256: &[u8; 32],
) -> Vec<u8> {
    let mut e = Enc::with_label(WITHDRAWAL_LABEL);
    bid_into(
        &mut e,
        tender_id,
        section,
        bidder_uscc,
        bid_version,
        manifest_sha256,
    );
    e.into_bytes()
}

/// A bidder re-confirms its bid after an amendment. The notice version makes
/// the confirmation refer to the amended terms, so one made before a later
/// amendment does not carry over.
///
/// `label("etender-bid-confirm/v1") ‖ var(tender_id) ‖ var(section) ‖ var(bidder_uscc) ‖
/// bid_version u32 ‖ manifest_sha256 (32) ‖ tender_version u32`
pub fn confirmation_payload(
    tender_id: &str,
    section: &str,
    bidder_uscc: &str,
    bid_version: u32,
    manifest_sha256: &[u8; 32],
    tender_version: u32,
) -> Vec<u8> {
    let mut e = Enc::with_label(CONFIRMATION_LABEL);
    bid_into(
        &mut e,
        tender_id,
        section,
        bidder_uscc,
        bid_version,
        manifest_sha256,
    );
    e.u32(tender_version);
    e.into_bytes()
}

/// A custodian releases its decrypted share of one bid's remedy key. The manifest digest pins
/// the bid (so a release cannot be replayed against another bid or version), and only the
/// share's digest is signed, so the stored signature (and the audit log) never carries key
/// material while the server can still check the submitted value.
///
/// `label("etender-share-release/v2") ‖ var(tender_id) ‖ var(section) ‖ manifest_sha256 (32) ‖
/// share_index u8 ‖ SHA-256(share value) (32)`
pub fn share_release_payload(
    tender_id: &str,
    section: &str,
    manifest_sha256: &[u8; 32],
    share_index: u8,
    share_value: &[u8; 32],
) -> Vec<u8> {
    let mut e = Enc::with_label(SHARE_RELEASE_LABEL);
    e.str(tender_id)
        .str(section)
        .fixed(manifest_sha256)
        .u8(share_index)
        .fixed(&sha256(share_value));
    e.into_bytes()
}

fn bid_into(
    e: &mut Enc,
    tender_id: &str,
    section: &str,
    bidder_uscc: &str,
    bid_version: u32,
    manifest_sha256: &[u8; 32],
) {
    e.str(tender_id)
        .str(section)
        .str(bidder_uscc)
        .u32(bid_version)
        .fixed(manifest_sha256);
}

#[cfg(test)]
mod tests {
    //! The expected bytes were produced by an independent Python encoder
    //! (`struct.pack(">Q", len) + bytes` for var, `">I"` for u32), not by this code.

    use super::*;

    const TENDER: &str = "T-2026-0001";
    const SECTION: &str = "S1";
    const USCC: &str = "91350100M000100Y43";

    #[test]
    fn custodian_key_bytes() {
        let p = custodian_key_payload("P1", &X25519PublicKey([0x42; 32]));
        assert_eq!(
            hex::encode(&p),
            concat!(
                "6574656e6465722d637573746f6469616e2d6b65792f763100",
                "00000000000000025031",
                "4242424242424242424242424242424242424242424242424242424242424242",
            )
        );
        assert_eq!(p.len(), 67);
    }

    #[test]
    fn withdrawal_bytes() {
        let p = withdrawal_payload(TENDER, SECTION, USCC, 2, &[0xab; 32]);
        assert_eq!(
            hex::encode(&p),
            concat!(
                "6574656e6465722d6269642d77697468647261772f763100",
                "000000000000000b542d323032362d30303031",
                "00000000000000025331",
                "000000000000001239313335303130304d303030313030593433",
                "00000002",
                "abababababababababababababababababababababababababababababababab",
            )
        );
        assert_eq!(p.len(), 115);
    }

    #[test]
    fn confirmation_bytes() {
        let p = confirmation_payload(TENDER, SECTION, USCC, 2, &[0xab; 32], 3);
        assert_eq!(
            hex::encode(&p),
            concat!(
                "6574656e6465722d6269642d636f6e6669726d2f763100",
                "000000000000000b542d323032362d30303031",
                "00000000000000025331",
                "000000000000001239313335303130304d303030313030593433",
                "00000002",
                "abababababababababababababababababababababababababababababababab",
                "00000003",
            )
        );
        assert_eq!(p.len(), 118);
    }

    #[test]
    fn share_release_bytes() {
        let mut share = [0u8; 32];
        for (i, b) in share.iter_mut().enumerate() {
            *b = i as u8;
        }
        let p = share_release_payload(TENDER, SECTION, &[0xab; 32], 2, &share);
        assert_eq!(
            hex::encode(&p),
            concat!(
                "6574656e6465722d73686172652d72656c656173652f763200",
                "000000000000000b542d323032362d30303031",
                "00000000000000025331",
                "abababababababababababababababababababababababababababababababab",
                "02",
                // SHA-256(00 01 … 1f)
                "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
            )
        );
        assert_eq!(p.len(), 119);
    }

    #[test]
    fn statements_never_collide() {
        // Same fields, different purposes: the labels alone must keep them apart.
        let w = withdrawal_payload(TENDER, SECTION, USCC, 1, &[0; 32]);
        let c = confirmation_payload(TENDER, SECTION, USCC, 1, &[0; 32], 0);
        assert!(!c.starts_with(&w));
    }
}
