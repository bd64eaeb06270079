//! An S3-compatible object store (AWS S3, MinIO, Ceph RGW, OSS/COS/OBS in S3 mode) for stored
//! documents and bid parts, so several stateless etender nodes can share one store.
//!
//! Only the calls the platform needs: bucket check/creation, PUT (single or multipart, from a
//! file, one part in memory at a time), GET (to a file or as a stream), HEAD and DELETE. Every
//! request is signed with SigV4 over the SHA-256 of its payload, so the store refuses a body
//! that changed on the way; a multipart upload that fails is aborted so no parts linger.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures_util::{Stream, StreamExt, TryStreamExt};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::sigv4::{self, SignableRequest, EMPTY_SHA256};
use super::StorageError;
use crate::audit::sha256_hex;

/// `[storage.s3]`: where the objects go when `storage.backend = "s3"`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// Base URL of the service, e.g. `https://s3.cn-north-1.amazonaws.com.cn` or
    /// `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `bucket.host/key` instead of `host/bucket/key`.
    pub virtual_hosted: bool,
    /// Objects larger than this go up as a multipart upload of parts this size (≥ 5 MiB, as
    /// S3 requires of every part but the last). It is also the memory one transfer uses.
    pub part_size_mib: u64,
    /// Create the bucket at start-up when it does not exist (development; in production the
    /// bucket, its versioning and retention are provisioned by the operator).
    pub create_bucket: bool,
    /// Extra PEM trust anchor for an endpoint with a private CA; empty = the public roots.
    pub ca_file: String,
    /// Per-request timeout for everything but the body transfer itself.
    pub connect_timeout_secs: u64,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("virtual_hosted", &self.virtual_hosted)
            .field("part_size_mib", &self.part_size_mib)
            .finish_non_exhaustive()
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
        if url.path() != "/" || url.query().is_some() {
            return Some("endpoint must be a bare scheme://host[:port]".into());
        }
        if !valid_bucket(&self.bucket) {
            return Some(format!(
                "bucket {:?} is not a valid S3 bucket name (3–63 of a-z 0-9 . -)",
                self.bucket
            ));
        }
        if self.region.is_empty()
            || self.access_key_id.is_empty()
            || self.secret_access_key.is_empty()
        {
            return Some("region, access_key_id and secret_access_key are required".into());
        }
        if !(5..=1024).contains(&self.part_size_mib) {
            return Some("part_size_mib must be between 5 and 1024".into());
        }
        None
    }
}

fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.as_bytes()[0].is_ascii_alphanumeric()
        && b.as_bytes()[b.len() - 1].is_ascii_alphanumeric()
}

#[derive(Clone, Debug)]
pub struct S3Store {
    http: reqwest::Client,
    scheme: String,
    /// `host[:port]` of the endpoint (no default port, as the HTTP client sends it).
    authority: String,
    settings: S3Settings,
}

/// A failed S3 call: HTTP status and the service's error code, if it sent one.
fn remote(what: &str, status: StatusCode, body: &str) -> StorageError {
    let code = xml_field(body, "Code").unwrap_or_default();
    let message = xml_field(body, "Message").unwrap_or_default();
    StorageError::Remote(
        format!("{what}: {status} {code} {message}")
            .trim()
            .to_string(),
    )
}

fn transport(what: &str, e: reqwest::Error) -> StorageError {
    StorageError::Remote(format!("{what}: {e}"))
}

/// The text of the first `<name>…</name>` element; S3's answers are small and flat enough
/// that this is all the XML the client needs.
fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(
        xml[start..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// A request body and the SHA-256 it is signed with.
enum Payload {
    Empty,
    Bytes(Bytes),
}

impl S3Store {
    pub fn new(settings: &S3Settings) -> Result<S3Store, StorageError> {
        if let Some(p) = settings.problem() {
            return Err(StorageError::Remote(format!("storage.s3: {p}")));
        }
        let url = reqwest::Url::parse(&settings.endpoint)
            .map_err(|e| StorageError::Remote(format!("storage.s3.endpoint: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_string();
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
            .pool_idle_timeout(Duration::from_secs(30));
        if !settings.ca_file.is_empty() {
            let pem = std::fs::read(&settings.ca_file)
                .map_err(|e| StorageError::Remote(format!("storage.s3.ca_file: {e}")))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| StorageError::Remote(format!("storage.s3.ca_file: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| StorageError::Remote(format!("S3 client: {e}")))?;
        Ok(S3Store {
            http,
            scheme: url.scheme().to_string(),
            authority,
            settings: settings.clone(),
        })
    }

    fn part_size(&self) -> usize {
        (self.settings.part_size_mib as usize) << 20
    }

    /// Host and path of `key` (or of the bucket itself when `key` is empty).
    fn locate(&self, key: &str) -> (String, String) {
        if self.settings.virtual_hosted {
            (
                format!("{}.{}", self.settings.bucket, self.authority),
                format!("/{key}"),
            )
        } else if key.is_empty() {
            (self.authority.clone(), format!("/{}", self.settings.bucket))
        } else {
            (
                self.authority.clone(),
                format!("/{}/{key}", self.settings.bucket),
            )
        }
    }

    /// Sign and send one request.
    async fn send(
        &self,
        method: Method,
        key: &str,
        query: &[(String, String)],
        headers: &[(String, String)],
        payload: Payload,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let (host, path) = self.locate(key);
        let (body, sha) = match payload {
            Payload::Empty => (Bytes::new(), EMPTY_SHA256.to_string()),
            Payload::Bytes(b) => {
                let sha = sha256_hex(&b);
                (b, sha)
            }
        };
        // The wall clock, not the application's `Clock`: S3 refuses signatures more than 15
        // minutes off its own time, and a sandbox clock runs ahead by design.
        let signed = sigv4::sign(
            &self.settings.access_key_id,
            &self.settings.secret_access_key,
            &self.settings.region,
            Utc::now(),
            &SignableRequest {
                method: method.as_str(),
                host: &host,
                path: &path,
                query,
                headers,
                payload_sha256: &sha,
            },
        );
        let q = sigv4::canonical_query(query);
        let url = format!(
            "{}://{host}{}{}{q}",
            self.scheme,
            sigv4::uri_encode(&path, true),
            if q.is_empty() { "" } else { "?" }
        );
        let mut req = self
            .http
            .request(method, url)
            .header("authorization", signed.authorization)
            .header("x-amz-date", signed.amz_date)
            .header("x-amz-content-sha256", signed.content_sha256);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        req.body(body).send().await
    }

    /// Check the bucket answers with these credentials; create it if allowed and missing.
    pub async fn ensure_bucket(&self) -> Result<(), StorageError> {
        let r = self
            .send(Method::HEAD, "", &[], &[], Payload::Empty)
            .await
            .map_err(|e| transport("bucket check", e))?;
        match r.status() {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND if self.settings.create_bucket => {
                let r = self
                    .send(Method::PUT, "", &[], &[], Payload::Empty)
                    .await
                    .map_err(|e| transport("create bucket", e))?;
                if r.status().is_success() {
                    Ok(())
                } else {
                    let s = r.status();
                    Err(remote(
                        "create bucket",
                        s,
                        &r.text().await.unwrap_or_default(),
                    ))
                }
            }
            s => Err(StorageError::Remote(format!(
                "bucket {:?} at {}: {s} (missing, or the credentials are refused)",
                self.settings.bucket, self.settings.endpoint
            ))),
        }
    }

    /// Size of a stored object, or `None` when there is none.
    pub async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        let r = self
            .send(Method::HEAD, key, &[], &[], Payload::Empty)
            .await
            .map_err(|e| transport("head", e))?;
        match r.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(r.content_length()),
            s => Err(remote("head", s, "")),
        }
    }

    /// Store the file at `from` under `key`: one PUT up to the part size, otherwise a
    /// multipart upload reading one part at a time.
    pub async fn put_file(&self, key: &str, from: &Path) -> Result<u64, StorageError> {
        let mut f = tokio::fs::File::open(from).await?;
        let len = f.metadata().await?.len();
        let part = self.part_size();
        if len <= part as u64 {
            let mut buf = Vec::with_capacity(len as usize);
            f.read_to_end(&mut buf).await?;
            let r = self
                .send(Method::PUT, key, &[], &[], Payload::Bytes(buf.into()))
                .await
                .map_err(|e| transport("put", e))?;
            if !r.status().is_success() {
                let s = r.status();
                return Err(remote("put", s, &r.text().await.unwrap_or_default()));
            }
            return Ok(len);
        }
        let upload_id = self.create_multipart(key).await?;
        match self.upload_parts(key, &upload_id, &mut f, part).await {
            Ok(etags) => match self.complete_multipart(key, &upload_id, &etags).await {
                Ok(()) => Ok(len),
                Err(e) => {
                    self.abort_multipart(key, &upload_id).await;
                    Err(e)
                }
            },
            Err(e) => {
                self.abort_multipart(key, &upload_id).await;
                Err(e)
            }
        }
    }

    async fn create_multipart(&self, key: &str) -> Result<String, StorageError> {
        let q = [("uploads".to_string(), String::new())];
        let r = self
            .send(Method::POST, key, &q, &[], Payload::Empty)
            .await
            .map_err(|e| transport("create multipart upload", e))?;
        let s = r.status();
        let body = r.text().await.unwrap_or_default();
        if !s.is_success() {
            return Err(remote("create multipart upload", s, &body));
        }
        xml_field(&body, "UploadId")
            .ok_or_else(|| StorageError::Remote("create multipart upload: no UploadId".into()))
    }

    async fn upload_parts(
        &self,
        key: &str,
        upload_id: &str,
        f: &mut tokio::fs::File,
        part: usize,
    ) -> Result<Vec<String>, StorageError> {
        let mut etags = Vec::new();
        loop {
            let mut buf = Vec::with_capacity(part);
            (&mut *f).take(part as u64).read_to_end(&mut buf).await?;
            if buf.is_empty() {
                break;
            }
            let number = etags.len() + 1;
            let q = [
                ("partNumber".to_string(), number.to_string()),
                ("uploadId".to_string(), upload_id.to_string()),
            ];
            let r = self
                .send(Method::PUT, key, &q, &[], Payload::Bytes(buf.into()))
                .await
                .map_err(|e| transport("upload part", e))?;
            let s = r.status();
            if !s.is_success() {
                return Err(remote(
                    "upload part",
                    s,
                    &r.text().await.unwrap_or_default(),
                ));
            }
            let etag = r
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| StorageError::Remote("upload part: no ETag".into()))?
                .to_string();
            etags.push(etag);
        }
        Ok(etags)
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        etags: &[String],
    ) -> Result<(), StorageError> {
        let mut xml = String::from("<CompleteMultipartUpload>");
        for (i, etag) in etags.iter().enumerate() {
            let etag = etag.replace('&', "&amp;").replace('"', "&quot;");
            xml.push_str(&format!(
                "<Part><PartNumber>{}</PartNumber><ETag>{etag}</ETag></Part>",
                i + 1
            ));
        }
        xml.push_str("</CompleteMultipartUpload>");
        let q = [("uploadId".to_string(), upload_id.to_string())];
        let r = self
            .send(
                Method::POST,
                key,
                &q,
                &[("content-type".into(), "application/xml".into())],
                Payload::Bytes(xml.into()),
            )
            .await
            .map_err(|e| transport("complete multipart upload", e))?;
        let s = r.status();
        let body = r.text().await.unwrap_or_default();
        // S3 may answer 200 and still report the failure in the body.
        if !s.is_success() || body.contains("<Error>") {
            return Err(remote("complete multipart upload", s, &body));
        }
        Ok(())
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) {
        let q = [("uploadId".to_string(), upload_id.to_string())];
        match self
            .send(Method::DELETE, key, &q, &[], Payload::Empty)
            .await
        {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                tracing::warn!(key, status = %r.status(), "aborting a multipart upload failed")
            }
            Err(e) => tracing::warn!(key, error = %e, "aborting a multipart upload failed"),
        }
    }

    async fn get(&self, key: &str) -> Result<reqwest::Response, StorageError> {
        let r = self
            .send(Method::GET, key, &[], &[], Payload::Empty)
            .await
            .map_err(|e| transport("get", e))?;
        match r.status() {
            s if s.is_success() => Ok(r),
            StatusCode::NOT_FOUND => Err(StorageError::Missing(key.into())),
            s => Err(remote("get", s, &r.text().await.unwrap_or_default())),
        }
    }

    /// The object as a stream of chunks, with its length.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<
        (
            u64,
            impl Stream<Item = Result<Bytes, std::io::Error>> + 'static,
        ),
        StorageError,
    > {
        let r = self.get(key).await?;
        let len = r
            .content_length()
            .ok_or_else(|| StorageError::Remote("get: no Content-Length".into()))?;
        Ok((len, r.bytes_stream().map_err(std::io::Error::other)))
    }

    /// Copy the object into a new file at `to`; refuses a short body.
    pub async fn get_to_file(&self, key: &str, to: &PathBuf) -> Result<u64, StorageError> {
        let (len, mut stream) = self.get_stream(key).await?;
        let mut f = tokio::fs::File::create(to).await?;
        let mut got = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            got += chunk.len() as u64;
            f.write_all(&chunk).await?;
        }
        f.flush().await?;
        if got != len {
            return Err(StorageError::Remote(format!(
                "get {key}: {got} of {len} bytes arrived"
            )));
        }
        Ok(got)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let r = self
            .send(Method::DELETE, key, &[], &[], Payload::Empty)
            .await
            .map_err(|e| transport("delete", e))?;
        match r.status() {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
            s => Err(remote("delete", s, &r.text().await.unwrap_or_default())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> S3Settings {
        S3Settings {
            endpoint: "http://127.0.0.1:9000".into(),
            region: "us-east-1".into(),
            bucket: "etender-files".into(),
            access_key_id: "ak".into(),
            secret_access_key: "sk".into(),
            virtual_hosted: false,
            part_size_mib: 16,
            create_bucket: false,
            ca_file: String::new(),
            connect_timeout_secs: 5,
        }
    }

    #[test]
    fn settings_are_checked_before_use() {
        assert_eq!(settings().problem(), None);
        for (tweak, expect) in [
            (
                Box::new(|s: &mut S3Settings| s.endpoint = "ftp://x".into())
                    as Box<dyn Fn(&mut S3Settings)>,
                "http(s) URL",
            ),
            (Box::new(|s| s.endpoint = "http://h/bucket".into()), "bare"),
            (Box::new(|s| s.bucket = "Upper_Case".into()), "bucket"),
            (Box::new(|s| s.secret_access_key.clear()), "required"),
            (Box::new(|s| s.part_size_mib = 4), "part_size_mib"),
        ] {
            let mut s = settings();
            tweak(&mut s);
            let p = s.problem().expect("refused");
            assert!(p.contains(expect), "{p}");
            assert!(S3Store::new(&s).is_err());
        }
        let dbg = format!("{:?}", settings());
        assert!(!dbg.contains("\"sk\""), "{dbg}");
    }

    #[test]
    fn path_and_virtual_hosted_addressing() {
        let s = S3Store::new(&settings()).unwrap();
        assert_eq!(
            s.locate("sha256/ab/cd"),
            (
                "127.0.0.1:9000".to_string(),
                "/etender-files/sha256/ab/cd".to_string()
            )
        );
        assert_eq!(s.locate("").1, "/etender-files");
        let mut v = settings();
        v.virtual_hosted = true;
        v.endpoint = "https://s3.example.com:443".into();
        let s = S3Store::new(&v).unwrap();
        assert_eq!(
            s.locate("k"),
            ("etender-files.s3.example.com".to_string(), "/k".to_string())
        );
    }

    #[test]
    fn error_bodies_are_read() {
        let body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>\
                    <Message>a &amp; b</Message></Error>";
        assert_eq!(
            xml_field(body, "Code").as_deref(),
            Some("SignatureDoesNotMatch")
        );
        let e = remote("put", StatusCode::FORBIDDEN, body).to_string();
        assert!(
            e.contains("403") && e.contains("SignatureDoesNotMatch") && e.contains("a & b"),
            "{e}"
        );
        assert_eq!(
            xml_field("<UploadId>x&quot;y</UploadId>", "UploadId").as_deref(),
            Some("x\"y")
        );
    }
}
