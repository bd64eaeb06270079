//! The S3-compatible backend: an `object_store` `AmazonS3` client built from `[storage.s3]`, and
//! the one call `object_store` does not offer, the bucket check (and, when configured, creation)
//! at start-up. That request goes through `object_store`'s own HTTP client and SigV4 signer, so
//! it uses the same TLS roots, timeouts and credentials as every object request.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsAuthorizer, AwsCredential};
use object_store::client::{HttpClient, HttpConnector, HttpRequest, ReqwestConnector};
use object_store::{Certificate, ClientOptions, RetryConfig};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;

use super::{S3Settings, StorageError};

/// The bucket of an S3-compatible store, for the start-up check.
pub(super) struct Bucket {
    /// `scheme://host[:port]/bucket` (path style) or `scheme://bucket.host[:port]/` (virtual
    /// hosted): the URL a bucket-level request goes to.
    url: String,
    http: HttpClient,
    settings: S3Settings,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket").field("url", &self.url).finish()
    }
}

fn setting(e: impl std::fmt::Display) -> StorageError {
    StorageError::Remote(format!("storage.s3: {e}"))
}

/// The object client and the bucket check for `settings` (nothing is sent yet).
pub(super) fn connect(settings: &S3Settings) -> Result<(Arc<AmazonS3>, Bucket), StorageError> {
    if let Some(p) = settings.problem() {
        return Err(setting(p));
    }
    let url = reqwest::Url::parse(&settings.endpoint).map_err(setting)?;
    let host = url.host_str().unwrap_or_default();
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let scheme = url.scheme();
    // object_store takes a virtual-hosted endpoint with the bucket already in the host name.
    let (endpoint, bucket_url) = if settings.virtual_hosted {
        let e = format!("{scheme}://{}.{authority}", settings.bucket);
        (e.clone(), format!("{e}/"))
    } else {
        let e = format!("{scheme}://{authority}");
        (e.clone(), format!("{e}/{}", settings.bucket))
    };
    let mut options = ClientOptions::new()
        .with_allow_http(settings.allow_http)
        .with_connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
        .with_timeout(Duration::from_secs(settings.request_timeout_secs))
        .with_pool_idle_timeout(Duration::from_secs(30));
    if !settings.ca_file.is_empty() {
        let pem = std::fs::read(&settings.ca_file)
            .map_err(|e| setting(format!("ca_file {}: {e}", settings.ca_file)))?;
        let certs = Certificate::from_pem_bundle(&pem)
            .map_err(|e| setting(format!("ca_file {}: {e}", settings.ca_file)))?;
        for cert in certs {
            options = options.with_root_certificate(cert);
        }
    }
    // A transport error or 5xx is retried a few times with backoff; a refusal (403, 404) is not.
    let retry = RetryConfig {
        max_retries: 4,
        retry_timeout: Duration::from_secs(60),
        ..RetryConfig::default()
    };
    let store = AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_region(&settings.region)
        .with_bucket_name(&settings.bucket)
        .with_access_key_id(&settings.access_key_id)
        .with_secret_access_key(settings.secret_access_key.expose_secret())
        .with_virtual_hosted_style_request(settings.virtual_hosted)
        .with_client_options(options.clone())
        .with_retry(retry)
        .build()
        .map_err(|e| StorageError::Remote(format!("S3 client: {e}")))?;
    let http = ReqwestConnector::default()
        .connect(&options)
        .map_err(|e| StorageError::Remote(format!("S3 client: {e}")))?;
    let bucket = Bucket {
        url: bucket_url,
        http,
        settings: settings.clone(),
    };
    Ok((Arc::new(store), bucket))
}

impl Bucket {
    /// Check the bucket answers with these credentials; create it if allowed and missing.
    pub(super) async fn ensure(&self) -> Result<(), StorageError> {
        let (status, _) = self.send(Method::HEAD, Bytes::new()).await?;
        match status {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND if self.settings.create_bucket => {
                let (status, body) = self.send(Method::PUT, self.create_body()).await?;
                if status.is_success() {
                    Ok(())
                } else {
                    Err(StorageError::Remote(format!(
                        "creating bucket {:?}: {status} {}",
                        self.settings.bucket,
                        String::from_utf8_lossy(&body).trim()
                    )))
                }
            }
            s => Err(StorageError::Remote(format!(
                "bucket {:?} at {}: {s} (missing, or the credentials are refused)",
                self.settings.bucket, self.settings.endpoint
            ))),
        }
    }

    /// S3 wants the region named when a bucket is made anywhere but us-east-1.
    fn create_body(&self) -> Bytes {
        if self.settings.region == "us-east-1" {
            return Bytes::new();
        }
        format!(
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
            self.settings.region
        )
        .into()
    }

    /// One signed bucket-level request: its status and body.
    async fn send(&self, method: Method, body: Bytes) -> Result<(StatusCode, Bytes), StorageError> {
        let what = format!("{method} bucket {:?}", self.settings.bucket);
        let mut request = HttpRequest::new(body.into());
        *request.method_mut() = method;
        *request.uri_mut() = self
            .url
            .parse()
            .map_err(|e| StorageError::Remote(format!("{what}: {e}")))?;
        let credential = AwsCredential {
            key_id: self.settings.access_key_id.clone(),
            secret_key: self.settings.secret_access_key.expose_secret().to_string(),
            token: None,
        };
        AwsAuthorizer::new(&credential, "s3", &self.settings.region).authorize(&mut request, None);
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| StorageError::Remote(format!("{what}: {e}")))?;
        let status = response.status();
        let body = response.into_body().bytes().await.unwrap_or_default();
        Ok((status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_settings_build_nothing_and_print_no_secret() {
        let mut s = super::super::settings::tests::s3();
        let (store, bucket) = connect(&s).unwrap();
        assert_eq!(bucket.url, "http://127.0.0.1:9000/etender-files");
        for shown in [
            format!("{store:?}"),
            format!("{bucket:?}"),
            store.to_string(),
        ] {
            assert!(!shown.contains("the-secret-key"), "{shown}");
        }
        s.virtual_hosted = true;
        s.endpoint = "https://s3.example.com:8443".into();
        let (_, bucket) = connect(&s).unwrap();
        assert_eq!(bucket.url, "https://etender-files.s3.example.com:8443/");
        s.allow_http = false;
        s.endpoint = "http://127.0.0.1:9000".into();
        let e = connect(&s).unwrap_err().to_string();
        assert!(e.contains("allow_http"), "{e}");
        s.allow_http = true;
        s.ca_file = "/nonexistent/ca.pem".into();
        let e = connect(&s).unwrap_err().to_string();
        assert!(e.contains("ca_file"), "{e}");
    }
}
