//! The binary encoding used for everything that is hashed or signed.
//!
//! Signatures and AAD are computed over this encoding, never over JSON, so that
//! JSON whitespace or field order can never change what was signed. Integers are
//! big-endian; strings and byte strings carry a u64 BE length prefix so that no
//! two field sequences encode to the same bytes.

use ring::digest;

#[derive(Default)]
pub(crate) struct Enc(Vec<u8>);

impl Enc {
    /// Starts with a NUL-terminated ASCII domain label, so that a payload meant
    /// for one purpose (header, inner, outer, statement) is never valid for another.
    pub(crate) fn with_label(label: &str) -> Enc {
        let mut e = Enc(Vec::with_capacity(256));
        e.0.extend_from_slice(label.as_bytes());
        e.0.push(0);
        e
    }
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Fixed-length field: no prefix, the length is part of the format.
    pub(crate) fn fixed(&mut self, v: &[u8]) -> &mut Self {
        self.0.extend_from_slice(v);
        self
    }
    /// Variable-length field with a u64 BE length prefix.
    pub(crate) fn var(&mut self, v: &[u8]) -> &mut Self {
        // usize → u64 is lossless on every platform Rust supports (≤ 64-bit).
        let len = u64::try_from(v.len()).unwrap_or(u64::MAX);
        self.u64(len);
        self.0.extend_from_slice(v);
        self
    }
    pub(crate) fn str(&mut self, v: &str) -> &mut Self {
        self.var(v.as_bytes())
    }
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, data).as_ref());
    out
}

pub(crate) fn finish(ctx: digest::Context) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Serde helper: a fixed-size byte array as lower-case hex.
pub(crate) mod hex_array {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer, const N: usize>(
        v: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; N];
        hex::decode_to_slice(&s, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

/// Serde helper: a byte vector as standard base64 (signatures, SPKI).
pub(crate) mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(serde::de::Error::custom)
    }
}
