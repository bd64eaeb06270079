//! The node's key-encryption key (KEK): what keeps a database dump from telling who bids where.
//!
//! A 256-bit secret that lives outside the database — a file named by `[keys] kek_file` (the
//! path may come from `ETENDER__KEYS__KEK_FILE`), readable only by the server's user, kept off
//! the database host and its backups. Several versions may sit in the file, one a line: the
//! newest wraps and blinds, every one still unwraps and still finds what it blinded, so a
//! rotation (`etender kek rotate`, then `etender kek rewrap`) never strands a row
//! (docs/ARCHITECTURE.md, "The node key-encryption key").
//!
//! Two uses, each under its own key derived from the version's secret by HKDF-SHA256:
//! - [`Kek::wrap`] / [`Kek::unwrap`]: AES-256-GCM with a random 96-bit nonce, the associated
//!   data binding the ciphertext to a purpose label and to its row (a ciphertext moved to
//!   another row, or read as something else, does not open);
//! - [`Kek::blind`]: a blind index, HMAC-SHA256 over a label and length-prefixed parts, so the
//!   server finds a bidder's own rows without the rows naming the bidder; [`Kek::blind_all`]
//!   gives the value under every version, for lookups across a rotation.
//!
//! The API is general (bytes in, text out, a purpose label): the bid tables use it now
//! (`db::sealing`), and released part keys of the evaluation will be wrapped under it too.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use zeroize::Zeroizing;

/// First non-comment line of a KEK file.
pub const FILE_HEADER: &str = "etender-kek v1";
/// Prefix of every wrapped value (`kek:<version>:<base64 nonce‖ciphertext‖tag>`).
pub const WRAP_PREFIX: &str = "kek:";
const HKDF_SALT: &[u8] = b"etender-kek/v1";
const AAD_PREFIX: &[u8] = b"etender-kek/v1\0";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KekError {
    #[error("not a wrapped value")]
    Format,
    #[error("wrapped under KEK version {0}, which this node does not hold")]
    UnknownVersion(u32),
    #[error("does not open: another key, purpose or row, or altered")]
    Open,
}

/// One version of the key: its number and the two keys derived from its secret.
struct Version {
    number: u32,
    secret: Zeroizing<[u8; 32]>,
    aead: LessSafeKey,
    blind: hmac::Key,
}

impl Version {
    fn new(number: u32, secret: [u8; 32]) -> Version {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(&secret);
        let mut aead_key = Zeroizing::new([0u8; 32]);
        let mut blind_key = Zeroizing::new([0u8; 32]);
        // Expanding 32 bytes from SHA-256 cannot fail (the limit is 255 × 32).
        let expand = |info: &[u8], out: &mut [u8; 32]| {
            let _ = prk
                .expand(&[info], hkdf::HKDF_SHA256)
                .and_then(|okm| okm.fill(out));
        };
        expand(b"aead", &mut aead_key);
        expand(b"blind", &mut blind_key);
        let aead = UnboundKey::new(&AES_256_GCM, aead_key.as_slice())
            .map(LessSafeKey::new)
            .unwrap_or_else(|_| unreachable!("AES-256-GCM takes any 32-byte key"));
        Version {
            number,
            secret: Zeroizing::new(secret),
            aead,
            blind: hmac::Key::new(hmac::HMAC_SHA256, blind_key.as_slice()),
        }
    }

    fn blind(&self, label: &str, parts: &[&str]) -> String {
        let mut ctx = hmac::Context::with_key(&self.blind);
        for field in std::iter::once(label).chain(parts.iter().copied()) {
            ctx.update(&(field.len() as u64).to_be_bytes());
            ctx.update(field.as_bytes());
        }
        format!("b{}:{}", self.number, hex::encode(ctx.sign().as_ref()))
    }
}

/// The node's KEK, every version it holds (oldest first).
pub struct Kek {
    versions: Vec<Version>,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kek")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

fn associated(purpose: &str, binding: &str) -> Vec<u8> {
    let mut aad = AAD_PREFIX.to_vec();
    aad.extend_from_slice(&(purpose.len() as u64).to_be_bytes());
    aad.extend_from_slice(purpose.as_bytes());
    aad.extend_from_slice(binding.as_bytes());
    aad
}

fn random_secret() -> anyhow::Result<[u8; 32]> {
    let mut s = [0u8; 32];
    SystemRandom::new()
        .fill(&mut s)
        .map_err(|_| anyhow::anyhow!("the system random generator failed"))?;
    Ok(s)
}

impl Kek {
    /// A fresh KEK with one version.
    pub fn generate() -> anyhow::Result<Kek> {
        Ok(Kek {
            versions: vec![Version::new(1, random_secret()?)],
        })
    }

    /// Adds a new newest version; returns its number.
    pub fn rotate(&mut self) -> anyhow::Result<u32> {
        let next = self.newest().number + 1;
        self.versions.push(Version::new(next, random_secret()?));
        Ok(next)
    }

    fn newest(&self) -> &Version {
        // Construction guarantees at least one version.
        &self.versions[self.versions.len() - 1]
    }

    /// `kek-v<newest>-<first 8 hex of SHA-256 of its secret>`: names the key in logs and
    /// `check-config` without revealing it.
    pub fn key_id(&self) -> String {
        let v = self.newest();
        let d = ring::digest::digest(&ring::digest::SHA256, v.secret.as_slice());
        format!("kek-v{}-{}", v.number, hex::encode(&d.as_ref()[..4]))
    }

    pub fn versions(&self) -> Vec<u32> {
        self.versions.iter().map(|v| v.number).collect()
    }

    /// The file text.
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut s = format!(
            "# etender node key-encryption key: keep it off the database host and its \
             backups\n{FILE_HEADER}\n"
        );
        for v in &self.versions {
            s.push_str(&format!(
                "{} {}\n",
                v.number,
                B64.encode(v.secret.as_slice())
            ));
        }
        Zeroizing::new(s)
    }

    pub fn parse(text: &str) -> anyhow::Result<Kek> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        if lines.next() != Some(FILE_HEADER) {
            anyhow::bail!("not a KEK file (first line must be {FILE_HEADER:?})");
        }
        let mut versions: Vec<Version> = Vec::new();
        for l in lines {
            let (n, key) = l
                .split_once(' ')
                .ok_or_else(|| anyhow::anyhow!("a version line is `<number> <base64 key>`"))?;
            let number: u32 = n
                .parse()
                .map_err(|_| anyhow::anyhow!("version {n:?} is not a number"))?;
            let bytes = Zeroizing::new(
                B64.decode(key.trim())
                    .map_err(|_| anyhow::anyhow!("version {number}: key is not base64"))?,
            );
            let secret: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| anyhow::anyhow!("version {number}: key is not 32 bytes"))?;
            if versions.last().is_some_and(|v| v.number >= number) {
                anyhow::bail!("versions must increase (version {number} after a later one)");
            }
            versions.push(Version::new(number, secret));
        }
        if versions.is_empty() {
            anyhow::bail!("the file holds no key");
        }
        Ok(Kek { versions })
    }

    pub fn read_file(path: &Path) -> anyhow::Result<Kek> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("keys.kek_file {}: {e}", path.display()))?,
        );
        Kek::parse(&text).map_err(|e| anyhow::anyhow!("keys.kek_file {}: {e}", path.display()))
    }

    /// Writes the file (mode 0600): a new one with `create_new`, or, with `replace`, over an
    /// existing one by writing aside and renaming (a rotation never leaves half a file).
    pub fn write_file(&self, path: &Path, replace: bool) -> anyhow::Result<()> {
        use std::io::Write;
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let target = if replace {
            path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()))
        } else {
            path.to_path_buf()
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&target)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", target.display()))?;
        f.write_all(self.to_text().as_bytes())?;
        f.sync_all()?;
        if replace {
            std::fs::rename(&target, path)?;
        }
        Ok(())
    }

    /// Loads the file; development creates it when missing, production refuses (a KEK must be
    /// made, and kept apart from the database's backups, on purpose).
    pub fn load_or_create(path: &Path, production: bool) -> anyhow::Result<Kek> {
        if path.is_file() {
            return Kek::read_file(path);
        }
        if production {
            anyhow::bail!(
                "keys.kek_file {} does not exist; production refuses to start without its \
                 key-encryption key (create one with `etender kek keygen --out FILE`)",
                path.display()
            );
        }
        let kek = Kek::generate()?;
        match kek.write_file(path, false) {
            Ok(()) => {
                tracing::warn!(file = %path.display(), key_id = %kek.key_id(),
                    "created a development key-encryption key");
                Ok(kek)
            }
            // Another process of this data directory won the race: its key is the one.
            Err(_) if path.is_file() => Kek::read_file(path),
            Err(e) => Err(e),
        }
    }

    /// Encrypts `plaintext` for `purpose`, bound to `binding` (the row it belongs in).
    pub fn wrap(&self, purpose: &str, binding: &str, plaintext: &[u8]) -> String {
        let v = self.newest();
        let mut nonce = [0u8; NONCE_LEN];
        // A failing system RNG leaves no safe way on; the process must stop.
        SystemRandom::new()
            .fill(&mut nonce)
            .unwrap_or_else(|_| panic!("the system random generator failed"));
        let mut buf = plaintext.to_vec();
        v.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated(purpose, binding)),
                &mut buf,
            )
            .unwrap_or_else(|_| unreachable!("sealing fails only on absurd lengths"));
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        format!("{WRAP_PREFIX}{}:{}", v.number, B64.encode(out))
    }

    /// Opens what [`wrap`](Self::wrap) made for the same purpose and binding.
    pub fn unwrap(&self, purpose: &str, binding: &str, wrapped: &str) -> Result<Vec<u8>, KekError> {
        let rest = wrapped.strip_prefix(WRAP_PREFIX).ok_or(KekError::Format)?;
        let (n, b64) = rest.split_once(':').ok_or(KekError::Format)?;
        let number: u32 = n.parse().map_err(|_| KekError::Format)?;
        let v = self
            .versions
            .iter()
            .find(|v| v.number == number)
            .ok_or(KekError::UnknownVersion(number))?;
        let bytes = B64.decode(b64).map_err(|_| KekError::Format)?;
        if bytes.len() < NONCE_LEN + aead::AES_256_GCM.tag_len() {
            return Err(KekError::Format);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KekError::Format)?;
        let mut buf = sealed.to_vec();
        let plain = v
            .aead
            .open_in_place(nonce, Aad::from(associated(purpose, binding)), &mut buf)
            .map_err(|_| KekError::Open)?;
        Ok(plain.to_vec())
    }

    /// Whether `wrapped` was made under an older version than the newest (to rewrap).
    pub fn is_stale(&self, wrapped: &str) -> bool {
        let newest = format!("{WRAP_PREFIX}{}:", self.newest().number);
        !wrapped.starts_with(&newest)
    }

    /// The blind index of `parts` under `label`, newest version: what a row stores.
    pub fn blind(&self, label: &str, parts: &[&str]) -> String {
        self.newest().blind(label, parts)
    }

    /// The blind index under every version, newest first: what a lookup matches, so rows
    /// written before a rotation are still found until they are rewrapped.
    pub fn blind_all(&self, label: &str, parts: &[&str]) -> Vec<String> {
        self.versions
            .iter()
            .rev()
            .map(|v| v.blind(label, parts))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_unwraps_bound_to_purpose_and_row() {
        let k = Kek::generate().unwrap();
        let w = k.wrap("bid", "row-1", b"tender T, bidder B");
        assert!(w.starts_with("kek:1:"));
        assert_eq!(k.unwrap("bid", "row-1", &w).unwrap(), b"tender T, bidder B");
        assert_eq!(k.unwrap("bid", "row-2", &w), Err(KekError::Open));
        assert_eq!(k.unwrap("bond", "row-1", &w), Err(KekError::Open));
        // Two wraps of the same plaintext differ (random nonce).
        assert_ne!(w, k.wrap("bid", "row-1", b"tender T, bidder B"));
        let other = Kek::generate().unwrap();
        assert_eq!(other.unwrap("bid", "row-1", &w), Err(KekError::Open));
        let mut tampered = w.clone();
        tampered.pop();
        tampered.push(if w.ends_with('A') { 'B' } else { 'A' });
        assert!(k.unwrap("bid", "row-1", &tampered).is_err());
        assert_eq!(k.unwrap("bid", "row-1", "plain"), Err(KekError::Format));
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_findable() {
        let mut k = Kek::generate().unwrap();
        let old = k.wrap("bid", "r", b"x");
        let old_blind = k.blind("bidder", &["t", "s", "o"]);
        assert_eq!(k.rotate().unwrap(), 2);
        let k = Kek::parse(&k.to_text()).unwrap();
        assert_eq!(k.versions(), vec![1, 2]);
        assert_eq!(k.unwrap("bid", "r", &old).unwrap(), b"x");
        assert!(k.is_stale(&old));
        let new = k.wrap("bid", "r", b"x");
        assert!(new.starts_with("kek:2:") && !k.is_stale(&new));
        let all = k.blind_all("bidder", &["t", "s", "o"]);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], k.blind("bidder", &["t", "s", "o"]));
        assert_eq!(all[1], old_blind);
        // A node that dropped version 1 can no longer open what it wrapped.
        let text = k.to_text();
        let only2: String = text
            .lines()
            .filter(|l| !l.starts_with("1 "))
            .collect::<Vec<_>>()
            .join("\n");
        let k2 = Kek::parse(&only2).unwrap();
        assert_eq!(
            k2.unwrap("bid", "r", &old),
            Err(KekError::UnknownVersion(1))
        );
    }

    #[test]
    fn blind_indexes_separate_labels_and_parts() {
        let k = Kek::generate().unwrap();
        assert_eq!(k.blind("a", &["x", "y"]), k.blind("a", &["x", "y"]));
        assert_ne!(k.blind("a", &["x", "y"]), k.blind("b", &["x", "y"]));
        // Length prefixes: ("xy", "") and ("x", "y") are different inputs.
        assert_ne!(k.blind("a", &["xy", ""]), k.blind("a", &["x", "y"]));
        assert_ne!(
            k.blind("a", &["x"]),
            Kek::generate().unwrap().blind("a", &["x"])
        );
    }

    #[test]
    fn files_are_checked_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kek");
        assert!(Kek::load_or_create(&path, true)
            .unwrap_err()
            .to_string()
            .contains("production refuses"));
        let k = Kek::load_or_create(&path, false).unwrap();
        assert_eq!(
            Kek::load_or_create(&path, true).unwrap().key_id(),
            k.key_id()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(k.write_file(&path, false).is_err(), "never overwritten");
        for bad in [
            "",
            "etender-kek v1\n",
            "nope\n1 AAAA",
            "etender-kek v1\n1 AAAA",
        ] {
            assert!(Kek::parse(bad).is_err(), "{bad:?}");
        }
        let text = k.to_text();
        assert!(!format!("{k:?}").contains(text.lines().last().unwrap()));
    }
}
