//! Randomness for sealing.
//!
//! Real bids use the operating system's generator ([`rand_core::OsRng`]).
//! [`DeterministicRng`] exists so that known-answer test vectors (DEKs, nonce
//! prefixes, ephemeral keys) can be reproduced byte for byte by other
//! implementations; a bid sealed with it is readable by anyone who knows the seed.

use rand_core::{CryptoRng, RngCore};
use ring::digest;

/// Any cryptographically secure generator accepted by the sealing API.
pub trait SealRng: RngCore + CryptoRng {}
impl<T: RngCore + CryptoRng> SealRng for T {}

/// SHA-256 in counter mode over a seed: block `i` = SHA-256(seed ‖ i as u64 BE),
/// seed = SHA-256(label). **Only for test vectors and tests.**
///
/// It implements [`CryptoRng`] because the sealing API demands one; its output is
/// unpredictable only to someone who does not know the label.
#[derive(Clone)]
pub struct DeterministicRng {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl DeterministicRng {
    /// A generator whose whole output is determined by `label`.
    pub fn from_label(label: &[u8]) -> Self {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(digest::digest(&digest::SHA256, label).as_ref());
        DeterministicRng {
            seed,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(&self.seed);
        ctx.update(&self.counter.to_be_bytes());
        self.block.copy_from_slice(ctx.finish().as_ref());
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }
}

impl std::fmt::Debug for DeterministicRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeterministicRng").finish_non_exhaustive()
    }
}

impl RngCore for DeterministicRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_be_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_be_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest.iter_mut() {
            if self.used == self.block.len() {
                self.refill();
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for DeterministicRng {}
