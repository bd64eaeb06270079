//! Development and test PKI: CAs, end-entity certificates and CRLs, plus the
//! `init_dev_pki` demo identity set used by `etender pki init`, tests and benches.
//!
//! Certificates are assembled with `x509-cert` types and signed through
//! [`crate::crypto::keys::SigningKey`], which gives one code path for every
//! algorithm, including SM2 (which rcgen cannot produce) and RSA-PSS CAs. Keys are
//! generated with ring (P-256, Ed25519), `rsa` (RSA, because ring cannot generate
//! RSA keys) and `sm2`.
//!
//! None of this is for production issuance: keys sit unencrypted on disk (mode
//! 0600 on Unix), and the demo identities are invented.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike as _, Duration, Utc};
use der::asn1::{
    BitString, GeneralizedTime, ObjectIdentifier, OctetString, PrintableStringRef, SetOfVec,
    UtcTime, Utf8StringRef,
};
use der::oid::AssociatedOid;
use der::{Any, Decode as _, Encode as _};
use rand_core::RngCore as _;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage,
    KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};
use zeroize::Zeroizing;

use crate::crypto::keys::{KeyError, SignatureAlgorithm, SigningKey};
use crate::domain::uscc::Uscc;

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");

/// Why a PKI operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Key generation failed.
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    /// Loading or using a private key failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The requested certificate or CRL contents are not valid.
    #[error("invalid request: {0}")]
    InvalidSpec(String),
    /// DER encoding failed.
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The dev PKI manifest is missing pieces or unreadable.
    #[error("invalid dev PKI at {path}: {reason}")]
    Manifest {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl From<der::Error> for PkiError {
    fn from(e: der::Error) -> Self {
        PkiError::Encoding(e.to_string())
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Key types the dev PKI can generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PkiKeyAlgorithm {
    /// NIST P-256.
    EcdsaP256,
    /// RSA, 2048-bit modulus.
    Rsa2048,
    /// Ed25519.
    Ed25519,
    /// SM2 (sm2p256v1).
    Sm2,
}

impl PkiKeyAlgorithm {
    /// Generates a fresh private key as PKCS#8 DER.
    pub fn generate_pkcs8(self) -> Result<Zeroizing<Vec<u8>>, PkiError> {
        let gen_err = |what: &str| PkiError::KeyGeneration(what.to_string());
        let rng = ring::rand::SystemRandom::new();
        Ok(Zeroizing::new(match self {
            PkiKeyAlgorithm::EcdsaP256 => ring::signature::EcdsaKeyPair::generate_pkcs8(
                &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                &rng,
            )
            .map_err(|_| gen_err("P-256"))?
            .as_ref()
            .to_vec(),
            PkiKeyAlgorithm::Ed25519 => ring::signature::Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(|_| gen_err("Ed25519"))?
                .as_ref()
                .to_vec(),
            PkiKeyAlgorithm::Rsa2048 => rsa_pkcs8(2048)?.to_vec(),
            PkiKeyAlgorithm::Sm2 => {
                use sm2::pkcs8::EncodePrivateKey as _;
                sm2::SecretKey::random(&mut rand_core::OsRng)
                    .to_pkcs8_der()
                    .map_err(|e| PkiError::KeyGeneration(format!("SM2: {e}")))?
                    .as_bytes()
                    .to_vec()
            }
        }))
    }

    /// The signature algorithm certificates issued *by* a key of this type use.
    pub fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            PkiKeyAlgorithm::EcdsaP256 => SignatureAlgorithm::EcdsaP256Sha256,
            PkiKeyAlgorithm::Rsa2048 => SignatureAlgorithm::RsaPkcs1Sha256,
            PkiKeyAlgorithm::Ed25519 => SignatureAlgorithm::Ed25519,
            PkiKeyAlgorithm::Sm2 => SignatureAlgorithm::Sm2Sm3,
        }
    }
}

/// RSA key generation with the `rsa` crate (ring has none), as PKCS#8 DER.
pub(crate) fn rsa_pkcs8(bits: usize) -> Result<Zeroizing<Vec<u8>>, PkiError> {
    use rsa::pkcs8::EncodePrivateKey as _;
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, bits)
        .map_err(|e| PkiError::KeyGeneration(format!("RSA-{bits}: {e}")))?;
    let doc = key
        .to_pkcs8_der()
        .map_err(|e| PkiError::KeyGeneration(format!("RSA-{bits}: {e}")))?;
    Ok(Zeroizing::new(doc.as_bytes().to_vec()))
}

/// keyUsage bits a leaf certificate may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUsageBit {
    /// digitalSignature
    DigitalSignature,
    /// nonRepudiation / contentCommitment
    NonRepudiation,
    /// keyEncipherment
    KeyEncipherment,
    /// dataEncipherment
    DataEncipherment,
    /// keyAgreement
    KeyAgreement,
    /// keyCertSign
    KeyCertSign,
    /// cRLSign
    CrlSign,
}

impl KeyUsageBit {
    fn flag(self) -> KeyUsages {
        match self {
            KeyUsageBit::DigitalSignature => KeyUsages::DigitalSignature,
            KeyUsageBit::NonRepudiation => KeyUsages::NonRepudiation,
            KeyUsageBit::KeyEncipherment => KeyUsages::KeyEncipherment,
            KeyUsageBit::DataEncipherment => KeyUsages::DataEncipherment,
            KeyUsageBit::KeyAgreement => KeyUsages::KeyAgreement,
            KeyUsageBit::KeyCertSign => KeyUsages::KeyCertSign,
            KeyUsageBit::CrlSign => KeyUsages::CRLSign,
        }
    }
}

/// What to put in an end-entity certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafSpec {
    /// Key type to generate.
    pub alg: PkiKeyAlgorithm,
    /// Subject CN (UTF8String).
    pub common_name: String,
    /// Subject O (UTF8String).
    pub organization: Option<String>,
    /// Subject serialNumber (PrintableString): where the dev PKI puts USCC / person id.
    pub subject_serial_number: Option<String>,
    /// Subject OU (UTF8String).
    pub organizational_unit: Option<String>,
    /// An extra non-critical extension: (dotted OID, UTF8String value).
    pub extra_extension: Option<(String, String)>,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    /// keyUsage bits; empty means no keyUsage extension at all.
    pub key_usage: Vec<KeyUsageBit>,
    /// extendedKeyUsage purposes (dotted OIDs); empty means no extension (unrestricted).
    pub extended_key_usage: Vec<String>,
    /// certificatePolicies (dotted OIDs): [`ORGANISATION_CERTIFICATE_POLICY`] or
    /// [`PERSON_CERTIFICATE_POLICY`] say which kind of certificate this is.
    pub policies: Vec<String>,
}

pub use crate::crypto::x509::{ORGANISATION_CERTIFICATE_POLICY, PERSON_CERTIFICATE_POLICY};
/// id-kp-clientAuth.
pub const EKU_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
/// id-kp-serverAuth (a TLS server certificate: never a party's signing certificate).
pub const EKU_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";

impl LeafSpec {
    /// A signing certificate valid from a day ago for a year, with
    /// digitalSignature + nonRepudiation.
    pub fn signing(alg: PkiKeyAlgorithm, common_name: &str) -> Self {
        let now = Utc::now();
        LeafSpec {
            alg,
            common_name: common_name.to_string(),
            organization: None,
            subject_serial_number: None,
            extended_key_usage: Vec::new(),
            policies: Vec::new(),
            organizational_unit: None,
            extra_extension: None,
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
            key_usage: vec![KeyUsageBit::DigitalSignature, KeyUsageBit::NonRepudiation],
        }
    }
}

/// An issued end-entity certificate and its private key.
#[derive(Clone, Debug)]
pub struct IssuedCert {
    /// Certificate, DER.
    pub cert_der: Vec<u8>,
    /// Private key, PKCS#8 DER.
    pub key_pkcs8_der: Vec<u8>,
    /// Serial, lowercase hex without leading zeros.
    pub serial_hex: String,
}

impl IssuedCert {
    /// Certificate as PEM "CERTIFICATE".
    pub fn cert_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.cert_der)
    }

    /// Private key as PEM "PRIVATE KEY".
    pub fn key_pem(&self) -> String {
        pem_encode("PRIVATE KEY", &self.key_pkcs8_der)
    }

    /// The private key, ready to sign.
    pub fn signing_key(&self) -> Result<SigningKey, KeyError> {
        SigningKey::from_pkcs8_der(&self.key_pkcs8_der)
    }
}

fn pem_encode(tag: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(tag, der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// A certificate authority: certificate plus private key.
pub struct Authority {
    cert_der: Vec<u8>,
    subject: Name,
    key: SigningKey,
    key_pkcs8: Zeroizing<Vec<u8>>,
    key_id: Vec<u8>,
    signature_algorithm: SignatureAlgorithm,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("subject", &self.subject.to_string())
            .field("signature_algorithm", &self.signature_algorithm)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// A self-signed root CA (C=CN, O=etender, CN=`common_name`).
    pub fn new_root(
        alg: PkiKeyAlgorithm,
        common_name: &str,
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Result<Authority, PkiError> {
        let key_pkcs8 = alg.generate_pkcs8()?;
        let key = SigningKey::from_pkcs8_der(&key_pkcs8)?;
        let spki = key.public_key_spki_der();
        let key_id = key_identifier(&spki)?;
        let subject = build_name(&NameParts {
            organization: Some("etender"),
            common_name,
            ..NameParts::default()
        })?;
        let extensions = vec![
            extension(
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                },
                true,
            )?,
            extension(&ca_key_usage(), true)?,
            extension(
                &SubjectKeyIdentifier(OctetString::new(key_id.clone())?),
                false,
            )?,
            extension(&authority_key_id(&key_id)?, false)?,
        ];
        let signature_algorithm = alg.signature_algorithm();
        let cert_der = sign_certificate(
            &key,
            signature_algorithm,
            CertFields {
                issuer: subject.clone(),
                subject: subject.clone(),
                spki_der: &spki,
                not_before,
                not_after,
                extensions,
            },
        )?
        .0;
        Ok(Authority {
            cert_der,
            subject,
            key,
            key_pkcs8,
            key_id,
            signature_algorithm,
        })
    }

    /// An intermediate CA (pathLenConstraint 0) issued by this CA.
    pub fn new_intermediate(
        &self,
        alg: PkiKeyAlgorithm,
        common_name: &str,
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Result<Authority, PkiError> {
        let key_pkcs8 = alg.generate_pkcs8()?;
        let key = SigningKey::from_pkcs8_der(&key_pkcs8)?;
        let spki = key.public_key_spki_der();
        let key_id = key_identifier(&spki)?;
        let subject = build_name(&NameParts {
            organization: Some("etender"),
            common_name,
            ..NameParts::default()
        })?;
        let extensions = vec![
            extension(
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: Some(0),
                },
                true,
            )?,
            extension(&ca_key_usage(), true)?,
            extension(
                &SubjectKeyIdentifier(OctetString::new(key_id.clone())?),
                false,
            )?,
            extension(&authority_key_id(&self.key_id)?, false)?,
        ];
        let cert_der = self
            .sign(CertFields {
                issuer: self.subject.clone(),
                subject: subject.clone(),
                spki_der: &spki,
                not_before,
                not_after,
                extensions,
            })?
            .0;
        Ok(Authority {
            cert_der,
            subject,
            key,
            key_pkcs8,
            key_id,
            signature_algorithm: alg.signature_algorithm(),
        })
    }

    /// Rebuilds an authority from its certificate and PKCS#8 key (both DER).
    pub fn from_der(cert_der: &[u8], key_pkcs8_der: &[u8]) -> Result<Authority, PkiError> {
        let cert = Certificate::from_der(cert_der)?;
        let key = SigningKey::from_pkcs8_der(key_pkcs8_der)?;
        let cert_spki = cert.tbs_certificate.subject_public_key_info.to_der()?;
        if public_key_bits(&cert_spki)? != public_key_bits(&key.public_key_spki_der())? {
            return Err(PkiError::InvalidSpec(
                "private key does not match the CA certificate".into(),
            ));
        }
        let key_id = match cert.tbs_certificate.extensions.as_ref().and_then(|exts| {
            exts.iter()
                .find(|e| e.extn_id == SubjectKeyIdentifier::OID)
                .map(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()))
        }) {
            Some(ski) => ski?.0.as_bytes().to_vec(),
            None => key_identifier(&cert_spki)?,
        };
        let signature_algorithm = key.default_signature_algorithm();
        Ok(Authority {
            cert_der: cert_der.to_vec(),
            subject: cert.tbs_certificate.subject,
            key,
            key_pkcs8: Zeroizing::new(key_pkcs8_der.to_vec()),
            key_id,
            signature_algorithm,
        })
    }

    /// Rebuilds an authority from PEM certificate and PEM "PRIVATE KEY".
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Authority, PkiError> {
        let cert = pem::parse(cert_pem)
            .map_err(|e| PkiError::InvalidSpec(format!("CA certificate PEM: {e}")))?;
        let key = pem::parse(key_pem).map_err(|_| PkiError::Key(KeyError::Malformed))?;
        let key_der = Zeroizing::new(key.into_contents());
        Authority::from_der(cert.contents(), &key_der)
    }

    /// Uses `alg` for everything this CA signs from now on (e.g. RSA-PSS for an
    /// RSA CA). It must fit the CA's key type.
    pub fn with_signature_algorithm(mut self, alg: SignatureAlgorithm) -> Result<Self, PkiError> {
        if alg.key_algorithm() != self.key.key_algorithm() {
            return Err(PkiError::InvalidSpec(format!(
                "{alg} cannot be used with a {} CA key",
                self.key.key_algorithm()
            )));
        }
        self.signature_algorithm = alg;
        Ok(self)
    }

    /// The algorithm this CA signs with.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.signature_algorithm
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.cert_der)
    }

    /// The CA private key, PKCS#8 DER.
    pub fn key_pkcs8_der(&self) -> &[u8] {
        &self.key_pkcs8
    }

    /// The CA private key, PEM "PRIVATE KEY".
    pub fn key_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem_encode("PRIVATE KEY", &self.key_pkcs8))
    }

    /// Issues an end-entity certificate for a freshly generated key.
    pub fn issue(&self, spec: &LeafSpec) -> Result<IssuedCert, PkiError> {
        let key_pkcs8 = spec.alg.generate_pkcs8()?;
        let spki = SigningKey::from_pkcs8_der(&key_pkcs8)?.public_key_spki_der();
        let (cert_der, serial_hex) = self.issue_leaf(spec, &spki)?;
        Ok(IssuedCert {
            cert_der,
            key_pkcs8_der: key_pkcs8.to_vec(),
            serial_hex,
        })
    }

    /// Issues an end-entity certificate for an existing public key (DER
    /// SubjectPublicKeyInfo). `spec.alg` is ignored. The key is not checked, which
    /// is what tests of weak or foreign keys need. Returns the certificate DER.
    pub fn issue_for_public_key(
        &self,
        spec: &LeafSpec,
        spki_der: &[u8],
    ) -> Result<Vec<u8>, PkiError> {
        self.issue_leaf(spec, spki_der).map(|(der, _)| der)
    }

    fn issue_leaf(&self, spec: &LeafSpec, spki_der: &[u8]) -> Result<(Vec<u8>, String), PkiError> {
        let subject = build_name(&NameParts {
            organization: spec.organization.as_deref(),
            organizational_unit: spec.organizational_unit.as_deref(),
            common_name: &spec.common_name,
            serial_number: spec.subject_serial_number.as_deref(),
        })?;
        let mut extensions = vec![extension(
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            true,
        )?];
        if !spec.key_usage.is_empty() {
            let flags = spec.key_usage.iter().fold(
                x509_cert::der::flagset::FlagSet::<KeyUsages>::default(),
                |acc, bit| acc | bit.flag(),
            );
            extensions.push(extension(&KeyUsage(flags), true)?);
        }
        extensions.push(extension(
            &SubjectKeyIdentifier(OctetString::new(key_identifier(spki_der)?)?),
            false,
        )?);
        extensions.push(extension(&authority_key_id(&self.key_id)?, false)?);
        let oid = |s: &String| {
            ObjectIdentifier::new(s).map_err(|_| PkiError::InvalidSpec(format!("OID {s:?}")))
        };
        if !spec.extended_key_usage.is_empty() {
            let purposes = spec
                .extended_key_usage
                .iter()
                .map(oid)
                .collect::<Result<_, _>>()?;
            extensions.push(extension(&ExtendedKeyUsage(purposes), false)?);
        }
        if !spec.policies.is_empty() {
            let policies = spec
                .policies
                .iter()
                .map(|p| {
                    Ok(PolicyInformation {
                        policy_identifier: oid(p)?,
                        policy_qualifiers: None,
                    })
                })
                .collect::<Result<_, PkiError>>()?;
            extensions.push(extension(&CertificatePolicies(policies), false)?);
        }
        if let Some((oid, value)) = &spec.extra_extension {
            let oid = ObjectIdentifier::new(oid)
                .map_err(|_| PkiError::InvalidSpec(format!("invalid extension OID {oid:?}")))?;
            extensions.push(Extension {
                extn_id: oid,
                critical: false,
                extn_value: OctetString::new(Utf8StringRef::new(value)?.to_der()?)?,
            });
        }
        self.sign(CertFields {
            issuer: self.subject.clone(),
            subject,
            spki_der,
            not_before: spec.not_before,
            not_after: spec.not_after,
            extensions,
        })
    }

    /// A v2 CRL signed by this CA listing `revoked_serials_hex` (revocation date =
    /// `this_update`), with authorityKeyIdentifier and a CRL number derived from
    /// `this_update` so later CRLs get higher numbers.
    pub fn crl_der(
        &self,
        revoked_serials_hex: &[String],
        this_update: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<Vec<u8>, PkiError> {
        if next_update <= this_update {
            return Err(PkiError::InvalidSpec(
                "nextUpdate must be after thisUpdate".into(),
            ));
        }
        self.crl_der_with(revoked_serials_hex, this_update, Some(next_update))
    }

    /// A CRL with no `nextUpdate` (RFC 5280 makes it mandatory, but some CAs omit it): tests
    /// of how long such a list is trusted.
    pub fn crl_der_without_next_update(
        &self,
        revoked_serials_hex: &[String],
        this_update: DateTime<Utc>,
    ) -> Result<Vec<u8>, PkiError> {
        self.crl_der_with(revoked_serials_hex, this_update, None)
    }

    fn crl_der_with(
        &self,
        revoked_serials_hex: &[String],
        this_update: DateTime<Utc>,
        next_update: Option<DateTime<Utc>>,
    ) -> Result<Vec<u8>, PkiError> {
        let this = x509_time(this_update)?;
        let revoked = revoked_serials_hex
            .iter()
            .map(|hex_serial| {
                let padded = if hex_serial.len() % 2 == 1 {
                    format!("0{hex_serial}")
                } else {
                    hex_serial.clone()
                };
                let bytes = hex::decode(padded)
                    .map_err(|_| PkiError::InvalidSpec(format!("bad serial {hex_serial:?}")))?;
                Ok(RevokedCert {
                    serial_number: SerialNumber::new(&bytes)?,
                    revocation_date: this,
                    crl_entry_extensions: None,
                })
            })
            .collect::<Result<Vec<_>, PkiError>>()?;
        let crl_number = u64::try_from(this_update.timestamp_millis())
            .map_err(|_| PkiError::InvalidSpec("thisUpdate before 1970".into()))?;
        let alg_id = algorithm_identifier(self.signature_algorithm)?;
        let tbs = TbsCertList {
            version: Version::V2,
            signature: alg_id.clone(),
            issuer: self.subject.clone(),
            this_update: this,
            next_update: next_update.map(x509_time).transpose()?,
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(vec![
                extension(&authority_key_id(&self.key_id)?, false)?,
                extension(
                    &CrlNumber(der::asn1::Uint::new(&crl_number.to_be_bytes())?),
                    false,
                )?,
            ]),
        };
        let signature = self.key.sign(self.signature_algorithm, &tbs.to_der()?)?;
        Ok(CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: alg_id,
            signature: BitString::from_bytes(&signature)?,
        }
        .to_der()?)
    }

    /// [`crl_der`](Self::crl_der) as PEM "X509 CRL".
    pub fn crl_pem(
        &self,
        revoked_serials_hex: &[String],
        this_update: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<String, PkiError> {
        Ok(pem_encode(
            "X509 CRL",
            &self.crl_der(revoked_serials_hex, this_update, next_update)?,
        ))
    }

    fn sign(&self, fields: CertFields<'_>) -> Result<(Vec<u8>, String), PkiError> {
        sign_certificate(&self.key, self.signature_algorithm, fields)
    }
}

fn ca_key_usage() -> KeyUsage {
    KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)
}

fn authority_key_id(key_id: &[u8]) -> Result<AuthorityKeyIdentifier, PkiError> {
    Ok(AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_id)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    })
}

fn extension<T: der::Encode + AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, PkiError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn algorithm_identifier(alg: SignatureAlgorithm) -> Result<AlgorithmIdentifierOwned, PkiError> {
    Ok(AlgorithmIdentifierOwned::from_der(
        &alg.x509_algorithm_identifier_der(),
    )?)
}

fn public_key_bits(spki_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    Ok(SubjectPublicKeyInfoRef::from_der(spki_der)?
        .subject_public_key
        .raw_bytes()
        .to_vec())
}

/// RFC 7093 method 1: leftmost 160 bits of SHA-256 over the subjectPublicKey bits.
fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let bits = public_key_bits(spki_der)?;
    Ok(ring::digest::digest(&ring::digest::SHA256, &bits).as_ref()[..20].to_vec())
}

/// UTCTime through 2049, GeneralizedTime after, as RFC 5280 §4.1.2.5 requires.
fn x509_time(t: DateTime<Utc>) -> Result<Time, PkiError> {
    let secs = u64::try_from(t.timestamp())
        .map_err(|_| PkiError::InvalidSpec("times before 1970 are not supported".into()))?;
    let since_epoch = std::time::Duration::from_secs(secs);
    Ok(if t.year() < 2050 {
        Time::UtcTime(UtcTime::from_unix_duration(since_epoch)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_unix_duration(since_epoch)?)
    })
}

#[derive(Default)]
struct NameParts<'a> {
    organization: Option<&'a str>,
    organizational_unit: Option<&'a str>,
    common_name: &'a str,
    serial_number: Option<&'a str>,
}

/// C=CN, O, OU, CN, serialNumber — one attribute per RDN, in the order Chinese CAs use.
fn build_name(parts: &NameParts<'_>) -> Result<Name, PkiError> {
    fn rdn(oid: ObjectIdentifier, value: Any) -> Result<RelativeDistinguishedName, PkiError> {
        let atv = AttributeTypeAndValue { oid, value };
        Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![atv])?))
    }
    fn printable(s: &str) -> Result<Any, PkiError> {
        let value = PrintableStringRef::new(s)
            .map_err(|_| PkiError::InvalidSpec(format!("{s:?} is not a PrintableString")))?;
        Ok(Any::encode_from(&value)?)
    }
    fn utf8(s: &str) -> Result<Any, PkiError> {
        Ok(Any::encode_from(&Utf8StringRef::new(s)?)?)
    }
    if parts.common_name.is_empty() {
        return Err(PkiError::InvalidSpec(
            "common name must not be empty".into(),
        ));
    }
    let mut rdns = vec![rdn(OID_C, printable("CN")?)?];
    if let Some(o) = parts.organization {
        rdns.push(rdn(OID_O, utf8(o)?)?);
    }
    if let Some(ou) = parts.organizational_unit {
        rdns.push(rdn(OID_OU, utf8(ou)?)?);
    }
    rdns.push(rdn(OID_CN, utf8(parts.common_name)?)?);
    if let Some(sn) = parts.serial_number {
        rdns.push(rdn(OID_SERIAL_NUMBER, printable(sn)?)?);
    }
    Ok(RdnSequence(rdns))
}

struct CertFields<'a> {
    issuer: Name,
    subject: Name,
    spki_der: &'a [u8],
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    extensions: Vec<Extension>,
}

/// Random positive 16-byte serial: high bit clear so the INTEGER needs no 0x00
/// pad, first byte non-zero so the hex form is always 32 characters.
fn random_serial() -> [u8; 16] {
    let mut serial = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut serial);
    serial[0] &= 0x7f;
    if serial[0] == 0 {
        serial[0] = 0x01;
    }
    serial
}

/// Signs a v3 certificate; returns (DER, serial hex).
fn sign_certificate(
    key: &SigningKey,
    alg: SignatureAlgorithm,
    fields: CertFields<'_>,
) -> Result<(Vec<u8>, String), PkiError> {
    if fields.not_after <= fields.not_before {
        return Err(PkiError::InvalidSpec(
            "notAfter must be after notBefore".into(),
        ));
    }
    let serial = random_serial();
    let alg_id = algorithm_identifier(alg)?;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial)?,
        signature: alg_id.clone(),
        issuer: fields.issuer,
        validity: Validity {
            not_before: x509_time(fields.not_before)?,
            not_after: x509_time(fields.not_after)?,
        },
        subject: fields.subject,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(fields.spki_der)?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(fields.extensions),
    };
    let signature = key.sign(alg, &tbs.to_der()?)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg_id,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok((cert.to_der()?, hex::encode(serial)))
}

// ---------------------------------------------------------------------------
// Demo identity set
// ---------------------------------------------------------------------------

/// A CA of the dev PKI.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DevCa {
    /// "root" or "sm2-root".
    pub key: String,
    /// Subject CN.
    pub common_name: String,
    /// Algorithm the CA signs with.
    pub algorithm: SignatureAlgorithm,
    /// CA certificate (PEM).
    pub cert_path: PathBuf,
    /// CA private key (PEM PKCS#8).
    pub key_path: PathBuf,
    /// Current CRL (PEM).
    pub crl_path: PathBuf,
    /// File name of the certificate copy in the trust directory.
    pub trust_cert_file: String,
    /// File name of the CRL copy in the trust directory.
    pub trust_crl_file: String,
}

/// A demo identity: an organisation or a person with a certificate and key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DevIdentity {
    /// Stable handle, e.g. "bidder-a".
    pub key: String,
    /// "organisation" or "person".
    pub kind: String,
    /// Platform roles, e.g. ["bidder"].
    pub roles: Vec<String>,
    /// Organisation or person name.
    pub display_name: String,
    /// USCC of an organisation (valid per GB 32100).
    pub uscc: Option<String>,
    /// Invented 18-character personal id of a person.
    pub person_id: Option<String>,
    /// Signature algorithm of the identity's key.
    pub algorithm: SignatureAlgorithm,
    /// Certificate (PEM).
    pub cert_path: PathBuf,
    /// Private key (PEM PKCS#8).
    pub key_path: PathBuf,
    /// Contact e-mail (reserved `.test` domain).
    pub email: String,
    /// For people acting for an organisation: that organisation's `key`.
    pub organisation: Option<String>,
    /// `key` of the issuing [`DevCa`].
    pub issuer: String,
    /// Certificate serial (lowercase hex).
    pub serial_hex: String,
    /// Listed on the issuer's CRL.
    pub revoked: bool,
}

impl DevIdentity {
    /// The certificate, DER.
    pub fn cert_der(&self) -> Result<Vec<u8>, PkiError> {
        let text = fs::read_to_string(&self.cert_path).map_err(io_err(&self.cert_path))?;
        pem::parse(text)
            .map(pem::Pem::into_contents)
            .map_err(|e| PkiError::InvalidSpec(format!("{}: {e}", self.cert_path.display())))
    }

    /// The private key.
    pub fn signing_key(&self) -> Result<SigningKey, PkiError> {
        let text =
            Zeroizing::new(fs::read_to_string(&self.key_path).map_err(io_err(&self.key_path))?);
        Ok(SigningKey::from_pkcs8_pem(&text)?)
    }
}

/// The demo PKI on disk. Serialised as `dir/manifest.json`, with paths relative
/// to `dir` in the file and absolute (joined) in memory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DevPki {
    /// [`DEV_PKI_FORMAT`] when generated; an older PKI is generated afresh.
    #[serde(default)]
    pub format: u32,
    /// Directory holding everything.
    pub dir: PathBuf,
    /// All identities.
    pub identities: Vec<DevIdentity>,
    /// The CAs ("root": P-256, "sm2-root": SM2).
    pub cas: Vec<DevCa>,
}

impl DevPki {
    /// Looks up an identity by `key`.
    pub fn identity(&self, key: &str) -> Option<&DevIdentity> {
        self.identities.iter().find(|i| i.key == key)
    }

    /// Looks up a CA by `key`.
    pub fn ca(&self, key: &str) -> Option<&DevCa> {
        self.cas.iter().find(|c| c.key == key)
    }

    fn all_files_exist(&self) -> bool {
        self.cas
            .iter()
            .flat_map(|c| [&c.cert_path, &c.key_path, &c.crl_path])
            .chain(
                self.identities
                    .iter()
                    .flat_map(|i| [&i.cert_path, &i.key_path]),
            )
            .all(|p| p.is_file())
    }

    /// Whether it holds today's cast, in order: a PKI made before an identity was added (or
    /// after one was removed) is generated afresh rather than missing someone the demo needs.
    fn has_cast(&self) -> bool {
        self.identities
            .iter()
            .map(|i| i.key.as_str())
            .eq(identity_defs().iter().map(|d| d.key))
    }

    fn map_paths(mut self, f: impl Fn(&Path) -> PathBuf) -> DevPki {
        for ca in &mut self.cas {
            ca.cert_path = f(&ca.cert_path);
            ca.key_path = f(&ca.key_path);
            ca.crl_path = f(&ca.crl_path);
        }
        for id in &mut self.identities {
            id.cert_path = f(&id.cert_path);
            id.key_path = f(&id.key_path);
        }
        self
    }
}

const MANIFEST: &str = "manifest.json";

/// Format of the demo PKI: 2 = leaves carry the certificate policy of their kind.
pub const DEV_PKI_FORMAT: u32 = 3;
const ROOT_CN: &str = "etender Demo Root CA";
const SM2_ROOT_CN: &str = "etender Demo SM2 Root CA";
/// A CRL closer than this to its nextUpdate is re-issued by `init_dev_pki`.
const CRL_REFRESH_MARGIN_DAYS: i64 = 30;
const CRL_LIFETIME_DAYS: i64 = 365;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Organisation,
    Person,
}

struct IdentityDef {
    key: &'static str,
    kind: Kind,
    roles: &'static [&'static str],
    name: &'static str,
    /// First 17 USCC characters (organisations) or (birth date, sequence) for people.
    uscc17: Option<&'static str>,
    person: Option<(&'static str, &'static str)>,
    alg: PkiKeyAlgorithm,
    sm2_root: bool,
    organisation: Option<&'static str>,
    revoked: bool,
}

const fn org(
    key: &'static str,
    roles: &'static [&'static str],
    name: &'static str,
    uscc17: &'static str,
    alg: PkiKeyAlgorithm,
) -> IdentityDef {
    IdentityDef {
        key,
        kind: Kind::Organisation,
        roles,
        name,
        uscc17: Some(uscc17),
        person: None,
        alg,
        sm2_root: matches!(alg, PkiKeyAlgorithm::Sm2),
        organisation: None,
        revoked: false,
    }
}

const fn person(
    key: &'static str,
    roles: &'static [&'static str],
    name: &'static str,
    birth: &'static str,
    seq: &'static str,
) -> IdentityDef {
    IdentityDef {
        key,
        kind: Kind::Person,
        roles,
        name,
        uscc17: None,
        person: Some((birth, seq)),
        alg: PkiKeyAlgorithm::EcdsaP256,
        sm2_root: false,
        organisation: None,
        revoked: false,
    }
}

/// The demo cast. Company names and codes are invented; USCC region codes are real
/// Hubei divisions so the codes look plausible, and check characters are computed.
fn identity_defs() -> Vec<IdentityDef> {
    use PkiKeyAlgorithm::*;
    vec![
        org(
            "tenderer",
            &["tenderer"],
            "潜江市城市建设投资开发有限公司",
            "91429005MA4A0C1T2",
            EcdsaP256,
        ),
        org(
            "agent",
            &["agent"],
            "湖北中楚工程招标代理有限公司",
            "91420100MA4B1D2U3",
            EcdsaP256,
        ),
        org(
            "bidder-a",
            &["bidder"],
            "湖北楚天路桥建设有限公司",
            "91420100MA4C2E3W4",
            EcdsaP256,
        ),
        org(
            "bidder-b",
            &["bidder"],
            "荆州长江建筑工程有限公司",
            "91421000MA4D3F4X5",
            Rsa2048,
        ),
        org(
            "bidder-c",
            &["bidder"],
            "襄阳汉水市政工程有限公司",
            "91420600MA4E4G5Y6",
            Sm2,
        ),
        org(
            "bidder-d",
            &["bidder"],
            "宜昌三峡建工集团有限公司",
            "91420500MA4F5H6Q7",
            Ed25519,
        ),
        IdentityDef {
            revoked: true,
            ..org(
                "revoked-bidder",
                &["bidder"],
                "孝感云梦土木工程有限公司",
                "91420900MA4G6J7R8",
                EcdsaP256,
            )
        },
        person("admin", &["administrator"], "王建国", "19780312", "011"),
        IdentityDef {
            organisation: Some("agent"),
            ..person("agent-staff", &["agent_staff"], "李晓燕", "19890721", "024")
        },
        person("expert-1", &["expert"], "张伟", "19700105", "031"),
        person("expert-2", &["expert"], "刘洋", "19750918", "042"),
        person("expert-3", &["expert"], "陈静", "19820426", "053"),
        person("expert-4", &["expert"], "杨帆", "19681130", "061"),
        person("expert-5", &["expert"], "赵磊", "19790607", "072"),
        person(
            "committee-1",
            &["award_committee"],
            "孙丽华",
            "19720214",
            "084",
        ),
        person(
            "committee-2",
            &["award_committee"],
            "周志强",
            "19660809",
            "093",
        ),
        person(
            "committee-3",
            &["award_committee"],
            "吴敏",
            "19810523",
            "105",
        ),
        person("regulator", &["regulator"], "郑国平", "19740717", "116"),
        // The demo's second officer of 住建局 (a case needs two on every piece of evidence) and
        // two officers of 公共资源交易监督管理局, for scenes the two departments share.
        person("regulator-2", &["regulator"], "韩立军", "19800312", "251"),
        person("regulator-3", &["regulator"], "罗晓红", "19830715", "262"),
        person("regulator-4", &["regulator"], "曾庆华", "19770904", "273"),
        person("custodian-1", &["custodian"], "冯海燕", "19850302", "127"),
        person("custodian-2", &["custodian"], "何俊", "19870925", "138"),
        person("custodian-3", &["custodian"], "许文博", "19911111", "149"),
        // More of the expert library (评标专家库): admitted by the trading centre in the demo's
        // draw, which grants them the expert role.
        person("expert-6", &[], "彭卫东", "19830922", "168"),
        person("expert-7", &[], "谢丽娟", "19740112", "171"),
        person("expert-8", &[], "叶静怡", "19761228", "174"),
        person("expert-9", &[], "蒋春燕", "19790122", "177"),
        person("expert-10", &[], "余丽娟", "19760606", "180"),
        person("expert-11", &[], "梁家豪", "19680119", "183"),
        person("expert-12", &[], "马海涛", "19781127", "186"),
        person("expert-13", &[], "梁美玲", "19740201", "189"),
        person("expert-14", &[], "刘光明", "19830908", "192"),
        person("expert-15", &[], "杨雪梅", "19760222", "195"),
        person("expert-16", &[], "冯丽娟", "19790620", "198"),
        person("expert-17", &[], "袁晓明", "19840118", "201"),
        person("expert-18", &[], "徐德明", "19880213", "204"),
        person("expert-19", &[], "蒋雪梅", "19831016", "207"),
        person("expert-20", &[], "彭慧敏", "19740901", "210"),
        person("expert-21", &[], "叶桂芳", "19640426", "213"),
        person("expert-22", &[], "程卫东", "19730628", "216"),
        person("expert-23", &[], "唐美玲", "19710209", "219"),
        person("expert-24", &[], "郭红梅", "19730617", "222"),
        person("expert-25", &[], "潘静怡", "19860906", "225"),
        person("expert-26", &[], "李明辉", "19880702", "228"),
        person("expert-27", &[], "田建华", "19691114", "231"),
        person("expert-28", &[], "张明辉", "19681004", "234"),
        person("expert-29", &[], "袁春燕", "19670223", "237"),
        person("expert-30", &[], "高文斌", "19750516", "240"),
        person("expert-31", &[], "谢慧敏", "19821202", "243"),
        person("expert-32", &[], "萧立新", "19730411", "246"),
    ]
}

/// An ID-card-shaped number: region "429999" (allocated to no county, so it can
/// never be a real person's), birth date, sequence, ISO 7064 MOD 11-2 check.
fn invented_person_id(birth: &str, seq: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let body = format!("429999{birth}{seq}");
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = char::from(CHECK[(sum % 11) as usize]);
    format!("{body}{check}")
}

/// Loads `dir/manifest.json` (paths made absolute against `dir`).
pub fn load_dev_pki(dir: &Path) -> Result<DevPki, PkiError> {
    let path = dir.join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(io_err(&path))?;
    let pki: DevPki = serde_json::from_str(&text).map_err(|e| PkiError::Manifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let mut pki = pki.map_paths(|p| dir.join(p));
    pki.dir = dir.to_path_buf();
    Ok(pki)
}

/// Creates (or, if complete, reuses) the demo PKI under `dir` and installs the two
/// root certificates and their CRLs into `trust_dir`.
///
/// Idempotent: an existing, complete PKI is returned as is, except that CRLs within
/// 30 days of nextUpdate are re-issued so the revoked demo bidder stays revoked.
/// An incomplete one is regenerated from scratch.
pub fn init_dev_pki(dir: &Path, trust_dir: &Path) -> Result<DevPki, PkiError> {
    let pki = match load_dev_pki(dir) {
        Ok(pki) if pki.format == DEV_PKI_FORMAT && pki.all_files_exist() && pki.has_cast() => {
            refresh_stale_crls(&pki)?;
            pki
        }
        _ => generate_dev_pki(dir)?,
    };
    install_trust(&pki, trust_dir)?;
    Ok(pki)
}

fn generate_dev_pki(dir: &Path) -> Result<DevPki, PkiError> {
    let now = Utc::now();
    let ca_from = now - Duration::days(1);
    let ca_until = now + Duration::days(365 * 20);
    let roots = [
        (
            "root",
            ROOT_CN,
            Authority::new_root(PkiKeyAlgorithm::EcdsaP256, ROOT_CN, ca_from, ca_until)?,
            "etender-dev-root",
        ),
        (
            "sm2-root",
            SM2_ROOT_CN,
            Authority::new_root(PkiKeyAlgorithm::Sm2, SM2_ROOT_CN, ca_from, ca_until)?,
            "etender-dev-sm2-root",
        ),
    ];

    let defs = identity_defs();
    let org_names: Vec<(&str, &str)> = defs
        .iter()
        .filter(|d| d.kind == Kind::Organisation)
        .map(|d| (d.key, d.name))
        .collect();
    let mut identities = Vec::with_capacity(defs.len());
    for def in &defs {
        let uscc = def
            .uscc17
            .map(|first17| Uscc::with_check_digit(first17).map(String::from))
            .transpose()
            .map_err(|e| PkiError::InvalidSpec(format!("demo USCC for {}: {e}", def.key)))?;
        let person_id = def
            .person
            .map(|(birth, seq)| invented_person_id(birth, seq));
        let org_name = match def.kind {
            Kind::Organisation => Some(def.name.to_string()),
            Kind::Person => def
                .organisation
                .and_then(|k| org_names.iter().find(|(key, _)| *key == k))
                .map(|(_, name)| (*name).to_string()),
        };
        let mut spec = LeafSpec::signing(def.alg, def.name);
        spec.not_after = now + Duration::days(365 * 3);
        spec.organization = org_name;
        spec.policies = vec![match def.kind {
            Kind::Organisation => ORGANISATION_CERTIFICATE_POLICY,
            Kind::Person => PERSON_CERTIFICATE_POLICY,
        }
        .to_string()];
        spec.subject_serial_number = uscc.clone().or_else(|| person_id.clone());
        let (issuer_key, _, issuer, _) = &roots[usize::from(def.sm2_root)];
        let issued = issuer.issue(&spec)?;

        let cert_path = dir.join("identities").join(format!("{}.cert.pem", def.key));
        let key_path = dir.join("identities").join(format!("{}.key.pem", def.key));
        write_file(&cert_path, issued.cert_pem().as_bytes(), false)?;
        write_file(&key_path, Zeroizing::new(issued.key_pem()).as_bytes(), true)?;
        identities.push(DevIdentity {
            key: def.key.to_string(),
            kind: match def.kind {
                Kind::Organisation => "organisation",
                Kind::Person => "person",
            }
            .to_string(),
            roles: def.roles.iter().map(|r| (*r).to_string()).collect(),
            display_name: def.name.to_string(),
            uscc,
            person_id,
            algorithm: def.alg.signature_algorithm(),
            cert_path,
            key_path,
            email: format!("{}@demo.etender.test", def.key),
            organisation: def.organisation.map(str::to_string),
            issuer: (*issuer_key).to_string(),
            serial_hex: issued.serial_hex,
            revoked: def.revoked,
        });
    }

    let mut cas = Vec::new();
    for (key, cn, authority, trust_name) in &roots {
        let ca = DevCa {
            key: (*key).to_string(),
            common_name: (*cn).to_string(),
            algorithm: authority.signature_algorithm(),
            cert_path: dir.join("ca").join(format!("{key}.cert.pem")),
            key_path: dir.join("ca").join(format!("{key}.key.pem")),
            crl_path: dir.join("ca").join(format!("{key}.crl.pem")),
            trust_cert_file: format!("{trust_name}.pem"),
            trust_crl_file: format!("{trust_name}.crl.pem"),
        };
        write_file(&ca.cert_path, authority.cert_pem().as_bytes(), false)?;
        write_file(&ca.key_path, authority.key_pem().as_bytes(), true)?;
        write_crl(&ca, authority, &identities, now)?;
        cas.push(ca);
    }

    let pki = DevPki {
        format: DEV_PKI_FORMAT,
        dir: dir.to_path_buf(),
        identities,
        cas,
    };
    // The manifest goes last: its presence marks a complete PKI.
    let on_disk = pki
        .clone()
        .map_paths(|p| p.strip_prefix(dir).unwrap_or(p).to_path_buf());
    let on_disk = DevPki {
        dir: PathBuf::from("."),
        ..on_disk
    };
    let json = serde_json::to_string_pretty(&on_disk)
        .map_err(|e| PkiError::Encoding(format!("manifest: {e}")))?;
    write_file(&dir.join(MANIFEST), json.as_bytes(), false)?;
    Ok(pki)
}

fn write_crl(
    ca: &DevCa,
    authority: &Authority,
    identities: &[DevIdentity],
    now: DateTime<Utc>,
) -> Result<(), PkiError> {
    let revoked: Vec<String> = identities
        .iter()
        .filter(|i| i.revoked && i.issuer == ca.key)
        .map(|i| i.serial_hex.clone())
        .collect();
    // thisUpdate slightly in the past so verifiers with a lagging clock accept it.
    let crl = authority.crl_pem(
        &revoked,
        now - Duration::hours(1),
        now + Duration::days(CRL_LIFETIME_DAYS),
    )?;
    write_file(&ca.crl_path, crl.as_bytes(), false)
}

fn refresh_stale_crls(pki: &DevPki) -> Result<(), PkiError> {
    let now = Utc::now();
    for ca in &pki.cas {
        let fresh = fs::read(&ca.crl_path)
            .ok()
            .and_then(|bytes| crate::crypto::crl::parse_crls_pem_or_der(&bytes).ok())
            .and_then(|ders| ders.into_iter().next())
            .and_then(|der| crate::crypto::crl::Crl::parse(&der).ok())
            .and_then(|crl| crl.next_update())
            .is_some_and(|next| next - now > Duration::days(CRL_REFRESH_MARGIN_DAYS));
        if fresh {
            continue;
        }
        let cert = fs::read_to_string(&ca.cert_path).map_err(io_err(&ca.cert_path))?;
        let key = Zeroizing::new(fs::read_to_string(&ca.key_path).map_err(io_err(&ca.key_path))?);
        let authority = Authority::from_pem(&cert, &key)?;
        write_crl(ca, &authority, &pki.identities, now)?;
    }
    Ok(())
}

fn install_trust(pki: &DevPki, trust_dir: &Path) -> Result<(), PkiError> {
    fs::create_dir_all(trust_dir).map_err(io_err(trust_dir))?;
    for ca in &pki.cas {
        for (source, name) in [
            (&ca.cert_path, &ca.trust_cert_file),
            (&ca.crl_path, &ca.trust_crl_file),
        ] {
            let contents = fs::read(source).map_err(io_err(source))?;
            let target = trust_dir.join(name);
            // Rewriting identical bytes would bump the mtime and make every
            // ReloadingTrustStore reload for nothing.
            if fs::read(&target).ok().as_deref() != Some(contents.as_slice()) {
                write_file(&target, &contents, false)?;
            }
        }
    }
    Ok(())
}

/// Writes via a temporary file and rename, so readers (and the reloading trust
/// store) never see a half-written file. Private files get mode 0600 on Unix.
fn write_file(path: &Path, contents: &[u8], private: bool) -> Result<(), PkiError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    {
        use std::io::Write as _;
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options.open(&tmp).map_err(io_err(&tmp))?;
        file.write_all(contents).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err(path))
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Shared fixtures: RSA generation is the slow part of the suite, so one key of
    //! each size is generated per test binary.
    use std::sync::OnceLock;

    pub(crate) fn rsa2048_pkcs8() -> &'static [u8] {
        static KEY: OnceLock<Vec<u8>> = OnceLock::new();
        KEY.get_or_init(|| super::rsa_pkcs8(2048).unwrap().to_vec())
    }

    pub(crate) fn rsa1024() -> &'static rsa::RsaPrivateKey {
        static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024).unwrap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::trust::TrustStore;
    use crate::crypto::x509::{CertError, IdentityExtraction, Purpose};

    #[test]
    fn person_ids_are_id_shaped_and_checksummed() {
        let id = invented_person_id("19780312", "011");
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("42999919780312011"));
        // ISO 7064 MOD 11-2 over all 18 characters (X = 10) gives 1.
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = id[..17]
            .chars()
            .zip(weights)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let check = id.chars().last().unwrap();
        let value = if check == 'X' {
            10
        } else {
            check.to_digit(10).unwrap()
        };
        assert_eq!((sum + value) % 11, 1);
    }

    #[test]
    fn demo_usccs_are_valid() {
        for def in identity_defs() {
            if let Some(first17) = def.uscc17 {
                let code = Uscc::with_check_digit(first17).unwrap();
                assert!(Uscc::is_valid(code.as_str()), "{}", def.key);
            }
        }
    }

    #[test]
    fn authority_round_trips_through_pem() {
        let now = Utc::now();
        let root =
            Authority::new_root(PkiKeyAlgorithm::Sm2, "RT", now, now + Duration::days(1)).unwrap();
        let again = Authority::from_pem(&root.cert_pem(), &root.key_pem()).unwrap();
        assert_eq!(again.cert_der(), root.cert_der());
        assert_eq!(again.signature_algorithm(), SignatureAlgorithm::Sm2Sm3);
        let other =
            Authority::new_root(PkiKeyAlgorithm::Sm2, "X", now, now + Duration::days(1)).unwrap();
        assert!(Authority::from_der(root.cert_der(), other.key_pkcs8_der()).is_err());
        assert!(root
            .with_signature_algorithm(SignatureAlgorithm::EcdsaP256Sha256)
            .is_err());
    }

    #[test]
    fn invalid_specs_are_refused() {
        let now = Utc::now();
        assert!(Authority::new_root(PkiKeyAlgorithm::EcdsaP256, "R", now, now).is_err());
        let root = Authority::new_root(
            PkiKeyAlgorithm::EcdsaP256,
            "R",
            now,
            now + Duration::days(1),
        )
        .unwrap();
        let mut spec = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf");
        spec.subject_serial_number = Some("中文".into());
        assert!(matches!(root.issue(&spec), Err(PkiError::InvalidSpec(_))));
        let mut spec = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf");
        spec.extra_extension = Some(("nope".into(), "v".into()));
        assert!(matches!(root.issue(&spec), Err(PkiError::InvalidSpec(_))));
        assert!(root
            .crl_der(&["zz".into()], now, now + Duration::days(1))
            .is_err());
        assert!(root.crl_der(&[], now, now).is_err());
    }

    #[test]
    fn serials_are_random_positive_16_bytes() {
        let now = Utc::now();
        let root = Authority::new_root(PkiKeyAlgorithm::Ed25519, "R", now, now + Duration::days(1))
            .unwrap();
        let a = root
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::Ed25519, "a"))
            .unwrap();
        let b = root
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::Ed25519, "b"))
            .unwrap();
        assert_ne!(a.serial_hex, b.serial_hex);
        for s in [&a.serial_hex, &b.serial_hex] {
            assert_eq!(s.len(), 32);
            assert!(u8::from_str_radix(&s[..2], 16).unwrap() < 0x80);
        }
    }

    #[test]
    fn dev_pki_is_idempotent_and_verifies() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pki");
        let trust = tmp.path().join("trust");
        let first = init_dev_pki(&dir, &trust).unwrap();
        let manifest_before = fs::read(dir.join(MANIFEST)).unwrap();
        let trust_mtime = fs::metadata(trust.join("etender-dev-root.pem"))
            .unwrap()
            .modified()
            .unwrap();
        let second = init_dev_pki(&dir, &trust).unwrap();
        assert_eq!(first, second);
        assert_eq!(fs::read(dir.join(MANIFEST)).unwrap(), manifest_before);
        assert_eq!(
            fs::metadata(trust.join("etender-dev-root.pem"))
                .unwrap()
                .modified()
                .unwrap(),
            trust_mtime,
            "an unchanged trust file must not be rewritten"
        );
        assert_eq!(load_dev_pki(&dir).unwrap(), first);

        // The manifest stores relative paths.
        let raw: serde_json::Value = serde_json::from_slice(&manifest_before).unwrap();
        assert_eq!(
            raw["identities"][0]["cert_path"],
            "identities/tenderer.cert.pem"
        );

        let mut names: Vec<String> = fs::read_dir(&trust)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "etender-dev-root.crl.pem",
                "etender-dev-root.pem",
                "etender-dev-sm2-root.crl.pem",
                "etender-dev-sm2-root.pem"
            ]
        );

        let expected_keys = [
            "tenderer",
            "agent",
            "bidder-a",
            "bidder-b",
            "bidder-c",
            "bidder-d",
            "revoked-bidder",
            "admin",
            "agent-staff",
            "expert-1",
            "expert-2",
            "expert-3",
            "expert-4",
            "expert-5",
            "committee-1",
            "committee-2",
            "committee-3",
            "regulator",
            "regulator-2",
            "regulator-3",
            "regulator-4",
            "custodian-1",
            "custodian-2",
            "custodian-3",
        ];
        let mut expected_keys: Vec<String> = expected_keys.iter().map(|k| k.to_string()).collect();
        // The rest of the demo's expert library.
        expected_keys.extend((6..=32).map(|i| format!("expert-{i}")));
        let keys: Vec<&str> = first.identities.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, expected_keys);

        let store = TrustStore::load_dir(&trust).unwrap();
        assert_eq!(store.anchors_len(), 2);
        let ident = IdentityExtraction::default();
        for id in &first.identities {
            let der = id.cert_der().unwrap();
            let result = store.verify_chain(&[der], Utc::now(), Purpose::Signing, &ident, true);
            if id.key == "revoked-bidder" {
                assert_eq!(
                    result,
                    Err(CertError::Revoked {
                        serial: id.serial_hex.clone()
                    })
                );
                continue;
            }
            let verified = result.unwrap_or_else(|e| panic!("{}: {e}", id.key));
            assert_eq!(
                verified.common_name.as_deref(),
                Some(id.display_name.as_str())
            );
            assert_eq!(verified.serial_hex, id.serial_hex);
            match id.kind.as_str() {
                "organisation" => {
                    let uscc = id.uscc.as_deref().unwrap();
                    assert!(Uscc::is_valid(uscc));
                    assert_eq!(verified.uscc_field.as_deref(), Some(uscc));
                    assert_eq!(
                        verified.organization.as_deref(),
                        Some(id.display_name.as_str())
                    );
                }
                _ => {
                    let pid = id.person_id.as_deref().unwrap();
                    assert_eq!(pid.len(), 18);
                    assert_eq!(verified.person_id_field.as_deref(), Some(pid));
                }
            }
            // The key on disk signs, and the certificate's key verifies it.
            let key = id.signing_key().unwrap();
            let sig = key.sign(id.algorithm, b"demo").unwrap();
            crate::crypto::keys::verify_signature(&verified.spki_der, id.algorithm, b"demo", &sig)
                .unwrap();
        }
        let staff = first.identity("agent-staff").unwrap();
        assert_eq!(staff.organisation.as_deref(), Some("agent"));
        let bidder_c = first.identity("bidder-c").unwrap();
        assert_eq!(bidder_c.algorithm, SignatureAlgorithm::Sm2Sm3);
        assert_eq!(bidder_c.issuer, "sm2-root");
        assert_eq!(
            first.identity("bidder-b").unwrap().algorithm,
            SignatureAlgorithm::RsaPkcs1Sha256
        );
        assert_eq!(
            first.identity("bidder-d").unwrap().algorithm,
            SignatureAlgorithm::Ed25519
        );

        // A missing file makes the next init regenerate everything.
        fs::remove_file(&first.identity("expert-1").unwrap().key_path).unwrap();
        let third = init_dev_pki(&dir, &trust).unwrap();
        assert_ne!(
            third.identity("expert-1").unwrap().serial_hex,
            first.identity("expert-1").unwrap().serial_hex
        );
        assert!(third.identity("expert-1").unwrap().key_path.is_file());

        // So does a PKI made before an identity joined the cast (its manifest lacks it).
        let mut older = third.clone();
        older.identities.retain(|i| i.key != "regulator-4");
        let rel = older
            .clone()
            .map_paths(|p| p.strip_prefix(&dir).unwrap().to_path_buf());
        fs::write(dir.join(MANIFEST), serde_json::to_vec_pretty(&rel).unwrap()).unwrap();
        assert!(load_dev_pki(&dir)
            .unwrap()
            .identity("regulator-4")
            .is_none());
        let fourth = init_dev_pki(&dir, &trust).unwrap();
        assert!(fourth.identity("regulator-4").is_some());
        assert_ne!(
            fourth.identity("expert-1").unwrap().serial_hex,
            third.identity("expert-1").unwrap().serial_hex
        );
    }

    #[test]
    fn stale_crl_is_refreshed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pki");
        let trust = tmp.path().join("trust");
        let pki = init_dev_pki(&dir, &trust).unwrap();
        let ca = pki.ca("root").unwrap();
        // Replace the CRL with one that expires tomorrow and lists nothing.
        let authority = Authority::from_pem(
            &fs::read_to_string(&ca.cert_path).unwrap(),
            &fs::read_to_string(&ca.key_path).unwrap(),
        )
        .unwrap();
        let now = Utc::now();
        let stale = authority
            .crl_pem(&[], now - Duration::days(10), now + Duration::days(1))
            .unwrap();
        fs::write(&ca.crl_path, stale).unwrap();
        init_dev_pki(&dir, &trust).unwrap();
        let crl_text = fs::read(trust.join(&ca.trust_crl_file)).unwrap();
        let der = crate::crypto::crl::parse_crls_pem_or_der(&crl_text)
            .unwrap()
            .remove(0);
        let crl = crate::crypto::crl::Crl::parse(&der).unwrap();
        assert!(crl.next_update().unwrap() > now + Duration::days(300));
        assert!(crl.is_revoked(&pki.identity("revoked-bidder").unwrap().serial_hex));
    }
}
