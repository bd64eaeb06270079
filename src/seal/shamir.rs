//! Shamir secret sharing of a 32-byte secret, byte-wise over GF(2⁸).
//!
//! Why GF(2⁸) and not the Curve25519 scalar field: the remedy key is an X25519
//! secret, i.e. an arbitrary 32-byte string that X25519 clamps at use. Sharing
//! the bytes reproduces exactly that string; sharing a scalar mod ℓ would need a
//! different key type (unclamped scalar arithmetic) for a benefit — threshold
//! decryption without reconstruction — that this format does not use yet.
//! Byte-wise sharing is what `sharks`/`blahaj` do; it is written here (≈ 60 lines)
//! rather than taken from `sharks`, which has RUSTSEC-2024-0398: its coefficients
//! came from [1, 255], leaking information. Here every coefficient is uniform
//! in [0, 255] and only the constant term is the secret.
//!
//! Field: GF(2⁸) with the AES polynomial x⁸ + x⁴ + x³ + x + 1 (0x11B).
//! Multiplication is branch-free and table-free, so it does not leak secret
//! bytes through timing or cache access. Share indices (x coordinates) are
//! public and 1..=255.
//!
//! There is no verifiability here (no Feldman commitments): each share is checked
//! on its own against the hash commitment the bidder signed, and the recombined
//! secret must yield the bid's remedy public key ([`super::remedy::RemedyBlock`]).

use zeroize::Zeroizing;

use super::rng::SealRng;

/// One share: the x coordinate and the 32 y bytes. Zeroized on drop.
#[derive(Clone)]
pub struct Share {
    /// x coordinate, 1..=255.
    pub index: u8,
    /// y bytes, one per secret byte.
    pub value: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Share")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// Multiplication in GF(2⁸) mod 0x11B, constant time.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    for _ in 0..8 {
        p ^= a & (b & 1).wrapping_neg();
        let carry = (a >> 7).wrapping_neg();
        a = (a << 1) ^ (0x1b & carry);
        b >>= 1;
    }
    p
}

/// Multiplicative inverse as a²⁵⁴ (0 ↦ 0); only applied to public indices.
fn inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

/// Splits `secret` into `n` shares, any `t` of which recover it.
/// Callers check `1 ≤ t ≤ n ≤ 255`.
pub(crate) fn split<R: SealRng + ?Sized>(
    secret: &[u8; 32],
    n: u8,
    t: u8,
    rng: &mut R,
) -> Vec<Share> {
    // coeffs[k][b]: coefficient of x^k for byte b; coeffs[0] is the secret.
    let mut coeffs: Zeroizing<Vec<[u8; 32]>> = Zeroizing::new(vec![[0u8; 32]; usize::from(t)]);
    if let Some(first) = coeffs.first_mut() {
        *first = *secret;
    }
    for c in coeffs.iter_mut().skip(1) {
        rng.fill_bytes(c);
    }
    (1..=n)
        .map(|x| {
            let mut y = Zeroizing::new([0u8; 32]);
            for (b, out) in y.iter_mut().enumerate() {
                // Horner from the highest coefficient down.
                let mut acc = 0u8;
                for c in coeffs.iter().rev() {
                    acc = mul(acc, x) ^ c[b];
                }
                *out = acc;
            }
            Share { index: x, value: y }
        })
        .collect()
}

/// Lagrange interpolation at x = 0 over all given shares. Callers check that
/// indices are distinct and non-zero.
pub(crate) fn combine(shares: &[&Share]) -> Zeroizing<[u8; 32]> {
    let mut secret = Zeroizing::new([0u8; 32]);
    for (i, si) in shares.iter().enumerate() {
        // l_i(0) = Π_{j≠i} x_j / (x_j − x_i); subtraction is XOR in GF(2⁸).
        let mut li = 1u8;
        for (j, sj) in shares.iter().enumerate() {
            if i != j {
                li = mul(li, mul(sj.index, inv(sj.index ^ si.index)));
            }
        }
        for (out, y) in secret.iter_mut().zip(si.value.iter()) {
            *out ^= mul(li, *y);
        }
    }
    secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::rng::DeterministicRng;

    #[test]
    fn field_axioms_hold() {
        // 0x53 · 0xCA = 0x01 is the worked example of FIPS-197 §4.2.
        assert_eq!(mul(0x53, 0xca), 0x01);
        assert_eq!(mul(0x57, 0x83), 0xc1);
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1, "{a}");
            assert_eq!(mul(a, 1), a);
            assert_eq!(mul(a, 0), 0);
        }
    }

    #[test]
    fn any_t_of_n_recover_and_t_minus_1_do_not() {
        let mut rng = DeterministicRng::from_label(b"shamir");
        let secret = [0x42u8; 32];
        let shares = split(&secret, 5, 3, &mut rng);
        for a in 0..5 {
            for b in (a + 1)..5 {
                for c in (b + 1)..5 {
                    let got = combine(&[&shares[a], &shares[b], &shares[c]]);
                    assert_eq!(*got, secret);
                }
                // Two shares of a degree-2 polynomial give some other value.
                assert_ne!(*combine(&[&shares[a], &shares[b]]), secret);
            }
        }
        // More than t shares interpolate the same polynomial.
        let all: Vec<&Share> = shares.iter().collect();
        assert_eq!(*combine(&all), secret);
    }

    #[test]
    fn coefficients_use_the_whole_byte_range() {
        // RUSTSEC-2024-0398: coefficients must be allowed to be 0; with t = 2 the
        // share minus the secret is the coefficient itself (x = 1).
        let mut rng = DeterministicRng::from_label(b"coeff-range");
        let mut seen_zero = false;
        for _ in 0..64 {
            let shares = split(&[0u8; 32], 2, 2, &mut rng);
            seen_zero |= shares[0].value.contains(&0);
        }
        assert!(seen_zero);
    }
}
