//! `[storage]` and `[storage.s3]`: where objects live, checked in one place before start-up.
//!
//! The S3 secret is a [`SecretString`]: `Debug` prints it as redacted, and serialising the
//! settings (`etender check-config`) writes a placeholder instead of the value, so neither a log
//! line nor a configuration dump can carry it. The access key id is an identifier that travels
//! in clear in every signed request's `Authorization` header (and in the store's own logs), so it
//! stays a plain string.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

/// What `check-config` shows in place of a secret that is set.
pub const REDACTED: &str = "<redacted>";

/// Where stored objects live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Local,
    S3,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Local objects (backend "local"), and on every backend the node's scratch area.
    pub dir: PathBuf,
    /// Largest accepted tender document, in bytes.
    pub max_document_bytes: u64,
    pub backend: Backend,
    pub s3: S3Settings,
}

impl StorageSettings {
    /// What is wrong with these settings, as (key within `[storage]`, why); empty when usable.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.backend == Backend::S3 {
            if let Some(problem) = self.s3.problem() {
                out.push((
                    "s3",
                    format!("is not usable with backend = \"s3\": {problem}"),
                ));
            }
        }
        out
    }
}

/// `[storage.s3]`: the S3-compatible object store used when `storage.backend = "s3"` (AWS S3,
/// MinIO, Ceph RGW, OSS/COS/OBS in S3 mode), so several stateless nodes share one store.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// Base URL of the service, e.g. `https://s3.cn-north-1.amazonaws.com.cn` or
    /// `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    #[serde(serialize_with = "redacted")]
    pub secret_access_key: SecretString,
    /// `bucket.host/key` instead of `host/bucket/key`.
    pub virtual_hosted: bool,
    /// Allow a plain `http://` endpoint (a store on the same host or a test server); without
    /// it only https is spoken, so credentials and bids never cross a network in clear.
    pub allow_http: bool,
    /// Objects larger than this go up as a multipart upload of parts this size (≥ 5 MiB, as
    /// S3 requires of every part but the last). It is also the memory one transfer uses.
    pub part_size_mib: u64,
    /// Create the bucket at start-up when it does not exist (development; in production the
    /// bucket, its versioning and retention are provisioned by the operator).
    pub create_bucket: bool,
    /// Extra PEM trust anchor(s) for an endpoint with a private CA; empty = the public roots.
    pub ca_file: String,
    /// Time allowed to establish a connection.
    pub connect_timeout_secs: u64,
    /// Time allowed for one request, body included (one part of a multipart upload).
    pub request_timeout_secs: u64,
}

/// Serialises a secret as [`REDACTED`] (or `""` when unset, so a dump still shows whether it
/// is configured).
fn redacted<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    if secret.expose_secret().is_empty() {
        s.serialize_str("")
    } else {
        s.serialize_str(REDACTED)
    }
}

impl S3Settings {
    /// What is wrong with these settings, if anything (checked before start-up).
    pub fn problem(&self) -> Option<String> {
        let url = match reqwest::Url::parse(&self.endpoint) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
            _ => {
                return Some(format!(
                    "endpoint {:?} is not an http(s) URL",
                    self.endpoint
                ))
            }
        };
        if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
            return Some("endpoint must be a bare scheme://host[:port]".into());
        }
        if url.scheme() == "http" && !self.allow_http {
            return Some("endpoint is plain http: use https, or set allow_http = true".into());
        }
        if !valid_bucket(&self.bucket) {
            return Some(format!(
                "bucket {:?} is not a valid S3 bucket name (3–63 of a-z 0-9 . -)",
                self.bucket
            ));
        }
        if self.region.is_empty()
            || self.access_key_id.is_empty()
            || self.secret_access_key.expose_secret().is_empty()
        {
            return Some("region, access_key_id and secret_access_key are required".into());
        }
        if !(5..=1024).contains(&self.part_size_mib) {
            return Some("part_size_mib must be between 5 and 1024".into());
        }
        if self.connect_timeout_secs == 0 || self.request_timeout_secs == 0 {
            return Some("connect_timeout_secs and request_timeout_secs must be positive".into());
        }
        None
    }

    pub(super) fn part_size(&self) -> usize {
        (self.part_size_mib as usize) << 20
    }
}

fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.as_bytes()[0].is_ascii_alphanumeric()
        && b.as_bytes()[b.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Usable settings for a store on loopback (nothing is contacted in unit tests).
    pub(crate) fn s3() -> S3Settings {
        S3Settings {
            endpoint: "http://127.0.0.1:9000".into(),
            region: "us-east-1".into(),
            bucket: "etender-files".into(),
            access_key_id: "ak".into(),
            secret_access_key: "the-secret-key".into(),
            virtual_hosted: false,
            allow_http: true,
            part_size_mib: 16,
            create_bucket: false,
            ca_file: String::new(),
            connect_timeout_secs: 5,
            request_timeout_secs: 60,
        }
    }

    #[test]
    fn settings_are_checked_before_use() {
        assert_eq!(s3().problem(), None);
        type Tweak = Box<dyn Fn(&mut S3Settings)>;
        let cases: Vec<(Tweak, &str)> = vec![
            (Box::new(|s| s.endpoint = "ftp://x".into()), "http(s) URL"),
            (Box::new(|s| s.endpoint = "http://h/bucket".into()), "bare"),
            (Box::new(|s| s.allow_http = false), "allow_http"),
            (Box::new(|s| s.bucket = "Upper_Case".into()), "bucket"),
            (Box::new(|s| s.secret_access_key = "".into()), "required"),
            (Box::new(|s| s.part_size_mib = 4), "part_size_mib"),
            (Box::new(|s| s.request_timeout_secs = 0), "timeout"),
        ];
        for (tweak, expect) in cases {
            let mut s = s3();
            tweak(&mut s);
            let p = s.problem().expect("refused");
            assert!(p.contains(expect), "{p}");
        }
        let mut https = s3();
        https.endpoint = "https://s3.example.com".into();
        https.allow_http = false;
        assert_eq!(https.problem(), None);
    }

    #[test]
    fn the_secret_is_never_printed() {
        let s = s3();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("the-secret-key"), "{dbg}");
        let dumped = toml::to_string(&s).unwrap();
        assert!(!dumped.contains("the-secret-key"), "{dumped}");
        assert!(dumped.contains(REDACTED), "{dumped}");
        let mut unset = s3();
        unset.secret_access_key = "".into();
        assert!(toml::to_string(&unset)
            .unwrap()
            .contains("secret_access_key = \"\""));
        // Read back from a file or the environment, the secret is the value given.
        let back: S3Settings = toml::from_str(&dumped.replace(REDACTED, "read")).unwrap();
        assert_eq!(back.secret_access_key.expose_secret(), "read");
    }
}
