//! X.509 certificate parsing, key-usage checks and identity extraction.
//!
//! Parsing uses x509-parser, which tolerates the small DER deviations found in
//! certificates from some Chinese CAs; every signature is still checked over the
//! exact TBS bytes received. Path building and revocation live in
//! [`crate::crypto::trust`]; this module provides the per-certificate pieces.
//!
//! Where the identity lives in a certificate is CA-specific (no published standard
//! fixes the attribute or extension carrying the USCC), so it is configurable through
//! [`IdentityExtraction`]; the dev PKI puts it in the subject `serialNumber`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use der::asn1::ObjectIdentifier;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer as _;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use super::keys::{self, KeyAlgorithm, SignatureAlgorithm};

/// Maximum number of certificates accepted in a presented chain. Longer inputs are
/// refused before any signature work so a client cannot make path building expensive.
pub const MAX_PRESENTED_CHAIN: usize = 10;

const OID_SERIAL_NUMBER: &str = "2.5.4.5";
const OID_OU: &str = "2.5.4.11";
const OID_CN: &str = "2.5.4.3";
const OID_O: &str = "2.5.4.10";

/// Where in a certificate a piece of identity (USCC, person id) is read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IdentityField {
    /// Subject `serialNumber` attribute (2.5.4.5).
    SubjectSerialNumber,
    /// Subject `organizationalUnitName` attribute (2.5.4.11), first occurrence.
    SubjectOrganizationalUnit,
    /// A certificate extension with this dotted OID whose value is a string.
    Extension(String),
}

impl FromStr for IdentityField {
    type Err = String;

    /// Accepts `subject_serial_number`, `subject_ou` or `extension:<dotted OID>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "subject_serial_number" => Ok(IdentityField::SubjectSerialNumber),
            "subject_ou" => Ok(IdentityField::SubjectOrganizationalUnit),
            other => {
                let oid = other.strip_prefix("extension:").ok_or_else(|| {
                    format!(
                        "unknown identity field {other:?}: \
                         expected subject_serial_number, subject_ou or extension:<oid>"
                    )
                })?;
                // Stored in canonical dotted form, which is what lookups compare against.
                let oid = ObjectIdentifier::new(oid)
                    .map_err(|_| format!("invalid extension OID {oid:?}"))?;
                Ok(IdentityField::Extension(oid.to_string()))
            }
        }
    }
}

impl fmt::Display for IdentityField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityField::SubjectSerialNumber => f.write_str("subject_serial_number"),
            IdentityField::SubjectOrganizationalUnit => f.write_str("subject_ou"),
            IdentityField::Extension(oid) => write!(f, "extension:{oid}"),
        }
    }
}

impl serde::Serialize for IdentityField {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for IdentityField {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Which certificate fields carry the organisation's USCC and the person's id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdentityExtraction {
    /// Field holding the unified social credit code of an organisation certificate.
    pub uscc: IdentityField,
    /// Field holding the personal id of a person certificate.
    pub person_id: IdentityField,
    /// Certificate policies (dotted OIDs) that mark an organisation certificate.
    pub organisation_policies: Vec<String>,
    /// Certificate policies (dotted OIDs) that mark a personal certificate.
    pub person_policies: Vec<String>,
}

impl Default for IdentityExtraction {
    /// Both identifiers from the subject `serialNumber`, kinds by the policies, as the dev PKI
    /// issues them.
    fn default() -> Self {
        IdentityExtraction {
            uscc: IdentityField::SubjectSerialNumber,
            person_id: IdentityField::SubjectSerialNumber,
            organisation_policies: vec![ORGANISATION_CERTIFICATE_POLICY.into()],
            person_policies: vec![PERSON_CERTIFICATE_POLICY.into()],
        }
    }
}

/// The certificate policy the demo and test PKIs put in organisation (e-business-licence)
/// certificates; a real deployment lists its CA's in `identity.organisation_certificate_policies`.
pub const ORGANISATION_CERTIFICATE_POLICY: &str = "1.3.6.1.4.1.32473.86.1";
/// The certificate policy of the demo and test PKIs' personal certificates.
pub const PERSON_CERTIFICATE_POLICY: &str = "1.3.6.1.4.1.32473.86.2";

/// Whose certificate it is, by its certificate policies: an organisation's (e-business
/// licence) or a person's. Both fields hold the same attribute by default (`serialNumber`), so
/// the identifier's shape cannot tell them apart; the issuing CA's policy can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertKind {
    Organisation,
    Person,
}

impl IdentityExtraction {
    /// The kind `policies` mark; `None` when they name neither kind, or both.
    pub fn kind_of(&self, policies: &[String]) -> Option<CertKind> {
        let org = policies
            .iter()
            .any(|p| self.organisation_policies.contains(p));
        let person = policies.iter().any(|p| self.person_policies.contains(p));
        match (org, person) {
            (true, false) => Some(CertKind::Organisation),
            (false, true) => Some(CertKind::Person),
            _ => None,
        }
    }
}

/// What the end-entity certificate will be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Signing documents: keyUsage present with digitalSignature or
    /// nonRepudiation (contentCommitment); the certificate must not be a CA.
    Signing,
}

/// A certificate whose chain verified, with the facts callers need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCertificate {
    /// The end-entity certificate, DER.
    pub der: Vec<u8>,
    /// Subject DN, RFC 4514 string.
    pub subject: String,
    /// Issuer DN, RFC 4514 string.
    pub issuer: String,
    /// Serial number, lowercase hex without leading zero bytes.
    pub serial_hex: String,
    /// Lowercase hex SHA-256 of `der`.
    pub fingerprint_sha256: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    /// SubjectPublicKeyInfo, DER: pass to [`keys::verify_signature`].
    pub spki_der: Vec<u8>,
    /// Key type of `spki_der`.
    pub key_algorithm: KeyAlgorithm,
    /// First subject commonName.
    pub common_name: Option<String>,
    /// First subject organizationName.
    pub organization: Option<String>,
    /// Raw text at [`IdentityExtraction::uscc`]; not validated here.
    pub uscc_field: Option<String>,
    /// Raw text at [`IdentityExtraction::person_id`]; not validated here.
    pub person_id_field: Option<String>,
    /// Organisation or person, by the certificate's policies (`None`: neither, or both).
    pub kind: Option<CertKind>,
    /// SHA-256 fingerprints of the verified path, leaf first, trust anchor last.
    pub chain_fingerprints: Vec<String>,
}

/// Why a certificate (chain) was not accepted. Each variant maps to its own API
/// error code, so they stay distinct.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Not parseable, or structurally invalid (duplicate or unsupported critical
    /// extensions, mismatched signature algorithm fields, empty chain).
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// A certificate in the path expired before the verification time.
    #[error("certificate expired at {not_after}")]
    Expired {
        /// The `notAfter` of the expired certificate.
        not_after: DateTime<Utc>,
    },
    /// A certificate in the path is not yet valid at the verification time.
    #[error("certificate not valid before {not_before}")]
    NotYetValid {
        /// The `notBefore` of the offending certificate.
        not_before: DateTime<Utc>,
    },
    /// A certificate in the path is listed on a valid CRL of its issuer.
    #[error("certificate {serial} is revoked")]
    Revoked {
        /// Serial (lowercase hex) of the revoked certificate.
        serial: String,
    },
    /// No path to a trust anchor (unknown or wrong CA, or an issuer that may not
    /// issue certificates).
    #[error("certificate is not issued by a trusted CA")]
    Untrusted,
    /// The issuer was identified but its signature over the certificate is wrong.
    #[error("certificate signature does not verify")]
    BadChainSignature,
    /// The end-entity certificate may not be used for the requested purpose.
    #[error("key usage not permitted: {0}")]
    KeyUsage(String),
    /// A signature or key algorithm (or key size) this system does not accept.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// `require_crl` was set and no current, correctly signed CRL covers an issuer.
    #[error("revocation status unknown: no valid CRL for the issuer")]
    RevocationUnknown,
    /// A path to a trust anchor would exceed the depth limit.
    #[error("certificate chain too long")]
    ChainTooLong,
}

/// Splits a PEM bundle (any number of "CERTIFICATE" blocks) or a single DER
/// certificate (or several concatenated) into DER certificates, in input order
/// (leaf first by convention). Every certificate must parse.
pub fn parse_chain_pem_or_der(input: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    let ders = split_pem_or_der(input, "CERTIFICATE").map_err(CertError::Malformed)?;
    if ders.is_empty() {
        return Err(CertError::Malformed("no certificate found".into()));
    }
    if ders.len() > MAX_PRESENTED_CHAIN {
        return Err(CertError::ChainTooLong);
    }
    for der in &ders {
        parse_x509(der)?;
    }
    Ok(ders)
}

/// Shared by certificates and CRLs: PEM blocks with `label`, or raw DER objects.
pub(crate) fn split_pem_or_der(input: &[u8], label: &str) -> Result<Vec<Vec<u8>>, String> {
    // Binary input is never trimmed: a DER object may legitimately end in bytes
    // that look like ASCII whitespace.
    if input.first() == Some(&0x30) {
        return split_concatenated_der(input);
    }
    let text = std::str::from_utf8(input).map_err(|_| "neither DER nor PEM".to_string())?;
    let blocks = pem::parse_many(text).map_err(|e| format!("invalid PEM: {e}"))?;
    Ok(blocks
        .into_iter()
        .filter(|b| b.tag() == label)
        .map(pem::Pem::into_contents)
        .collect())
}

/// Splits back-to-back DER TLVs by reading each top-level header.
fn split_concatenated_der(mut input: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use der::{Decode as _, Encode as _};
    let mut out = Vec::new();
    while !input.is_empty() {
        let mut reader = der::SliceReader::new(input).map_err(|e| format!("invalid DER: {e}"))?;
        let header = der::Header::decode(&mut reader).map_err(|e| format!("invalid DER: {e}"))?;
        let total = header
            .encoded_len()
            .and_then(|h| h + header.length)
            .map_err(|e| format!("invalid DER length: {e}"))?;
        let total = usize::try_from(total).map_err(|_| "DER object too large".to_string())?;
        if total > input.len() {
            return Err("truncated DER".into());
        }
        out.push(input[..total].to_vec());
        input = &input[total..];
    }
    Ok(out)
}

/// Lowercase hex SHA-256 of `der`.
pub fn fingerprint_sha256(der: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, der))
}

/// Lowercase hex of an unsigned big-endian integer without leading zero bytes
/// ("00" for zero), the form used for serial numbers everywhere in this crate.
pub fn serial_to_hex(raw: &[u8]) -> String {
    let stripped: &[u8] = match raw.iter().position(|b| *b != 0) {
        Some(i) => &raw[i..],
        None => &[0],
    };
    hex::encode(stripped)
}

pub(crate) fn parse_x509(der: &[u8]) -> Result<X509Certificate<'_>, CertError> {
    let (rest, cert) = X509Certificate::from_der(der)
        .map_err(|e| CertError::Malformed(format!("cannot parse certificate: {e}")))?;
    if !rest.is_empty() {
        return Err(CertError::Malformed(
            "trailing data after certificate".into(),
        ));
    }
    Ok(cert)
}

pub(crate) fn asn1_time_to_chrono(
    t: x509_parser::time::ASN1Time,
) -> Result<DateTime<Utc>, CertError> {
    DateTime::from_timestamp(t.timestamp(), 0)
        .ok_or_else(|| CertError::Malformed("time out of range".into()))
}

/// Re-encodes an AlgorithmIdentifier's parameters as DER, for the two shapes the
/// supported algorithms use (NULL and SEQUENCE). Anything else comes back as an
/// unmatched marker so the algorithm is refused rather than misread.
pub(crate) fn alg_params_der(
    params: Option<&x509_parser::der_parser::asn1_rs::Any<'_>>,
) -> Option<Vec<u8>> {
    use x509_parser::der_parser::asn1_rs::Class;
    let p = params?;
    let tag = p.header.tag().0;
    if p.header.class() != Class::Universal || tag >= 31 {
        return Some(vec![0xff]);
    }
    let mut out = Vec::with_capacity(p.data.len() + 6);
    // Universal tag numbers below 31 fit in the low five bits of the identifier octet.
    out.push(tag as u8 | if p.header.constructed() { 0x20 } else { 0 });
    let len = p.data.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(p.data);
    Some(out)
}

/// Maps an x509-parser AlgorithmIdentifier to a supported signature algorithm.
pub(crate) fn signature_algorithm_of(
    alg: &x509_parser::x509::AlgorithmIdentifier<'_>,
) -> Result<SignatureAlgorithm, String> {
    let oid = ObjectIdentifier::from_bytes(alg.algorithm.as_bytes())
        .map_err(|_| "invalid signature algorithm OID".to_string())?;
    let params = alg_params_der(alg.parameters.as_ref());
    keys::signature_algorithm_from_x509(&oid, params.as_deref())
}

/// keyUsage bits (RFC 5280 order) as x509-parser reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyUsageBits(pub(crate) u16);

impl KeyUsageBits {
    pub(crate) fn digital_signature(self) -> bool {
        self.0 & 1 != 0
    }
    pub(crate) fn non_repudiation(self) -> bool {
        self.0 & (1 << 1) != 0
    }
    pub(crate) fn key_cert_sign(self) -> bool {
        self.0 & (1 << 5) != 0
    }
    pub(crate) fn crl_sign(self) -> bool {
        self.0 & (1 << 6) != 0
    }
}

/// Owned facts about one certificate, extracted once so path building and trust
/// anchors don't re-parse or hold borrows into the DER.
#[derive(Clone, Debug)]
pub(crate) struct CertMeta {
    pub(crate) der: Vec<u8>,
    pub(crate) tbs: Vec<u8>,
    pub(crate) subject_raw: Vec<u8>,
    pub(crate) issuer_raw: Vec<u8>,
    pub(crate) subject: String,
    pub(crate) issuer: String,
    pub(crate) serial_hex: String,
    pub(crate) fingerprint: String,
    pub(crate) not_before: DateTime<Utc>,
    pub(crate) not_after: DateTime<Utc>,
    pub(crate) spki_der: Vec<u8>,
    /// The certificate's own signature algorithm, or why it is unsupported.
    pub(crate) signature_algorithm: Result<SignatureAlgorithm, String>,
    pub(crate) signature: Vec<u8>,
    /// (cA, pathLenConstraint) when basicConstraints is present.
    pub(crate) basic_constraints: Option<(bool, Option<u32>)>,
    pub(crate) key_usage: Option<KeyUsageBits>,
    pub(crate) subject_key_id: Option<Vec<u8>>,
    pub(crate) authority_key_id: Option<Vec<u8>>,
    /// cRLDistributionPoints fullNames, for matching scoped CRLs.
    pub(crate) crl_distribution_points: Vec<String>,
    /// certificatePolicies, dotted OIDs.
    pub(crate) policies: Vec<String>,
    /// With an extendedKeyUsage extension: whether it allows signing for a party (any,
    /// clientAuth, emailProtection or documentSigning).
    pub(crate) eku_allows_signing: Option<bool>,
}

/// id-kp-documentSigning (RFC 9336).
const EKU_DOCUMENT_SIGNING: &str = "1.3.6.1.5.5.7.3.36";

/// Extensions whose semantics are either enforced here or safe to ignore for
/// document signing when marked critical. Name constraints and policy
/// constraints are *not* processed, so a critical one makes the certificate unusable.
const UNDERSTOOD_CRITICAL: &[&str] = &[
    "2.5.29.15",         // keyUsage
    "2.5.29.19",         // basicConstraints
    "2.5.29.37",         // extKeyUsage (must allow signing for a party: check_purpose)
    "2.5.29.17",         // subjectAltName
    "2.5.29.14",         // subjectKeyIdentifier
    "2.5.29.35",         // authorityKeyIdentifier
    "2.5.29.32",         // certificatePolicies (any policy accepted)
    "2.5.29.31",         // cRLDistributionPoints
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
];

impl CertMeta {
    pub(crate) fn parse(der: &[u8]) -> Result<CertMeta, CertError> {
        let cert = parse_x509(der)?;
        let tbs = &cert.tbs_certificate;
        if tbs.signature != cert.signature_algorithm {
            return Err(CertError::Malformed(
                "inner and outer signature algorithms differ".into(),
            ));
        }
        cert.extensions_map()
            .map_err(|_| CertError::Malformed("duplicate extensions".into()))?;

        let mut basic_constraints = None;
        let mut key_usage = None;
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut crl_distribution_points = Vec::new();
        let mut policies = Vec::new();
        let mut eku_allows_signing = None;
        for ext in cert.extensions() {
            let id = ext.oid.to_id_string();
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    basic_constraints = Some((bc.ca, bc.path_len_constraint));
                }
                ParsedExtension::KeyUsage(ku) => key_usage = Some(KeyUsageBits(ku.flags)),
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    eku_allows_signing = Some(
                        eku.any
                            || eku.client_auth
                            || eku.email_protection
                            || eku
                                .other
                                .iter()
                                .any(|o| o.to_id_string() == EKU_DOCUMENT_SIGNING),
                    );
                }
                ParsedExtension::CertificatePolicies(ps) => {
                    policies = ps.iter().map(|p| p.policy_id.to_id_string()).collect();
                }
                ParsedExtension::SubjectKeyIdentifier(k) => subject_key_id = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                ParsedExtension::CRLDistributionPoints(points) => {
                    crl_distribution_points = points
                        .iter()
                        .flat_map(|p| {
                            super::crl::distribution_point_names(p.distribution_point.as_ref())
                        })
                        .collect();
                }
                ParsedExtension::ParseError { .. }
                    if ext.critical || matches!(id.as_str(), "2.5.29.15" | "2.5.29.19") =>
                {
                    return Err(CertError::Malformed(format!("cannot parse extension {id}")));
                }
                _ => {}
            }
            if ext.critical && !UNDERSTOOD_CRITICAL.contains(&id.as_str()) {
                return Err(CertError::Malformed(format!(
                    "unsupported critical extension {id}"
                )));
            }
        }

        Ok(CertMeta {
            der: der.to_vec(),
            tbs: tbs.as_ref().to_vec(),
            subject_raw: tbs.subject.as_raw().to_vec(),
            issuer_raw: tbs.issuer.as_raw().to_vec(),
            subject: name_to_rfc4514(&tbs.subject),
            issuer: name_to_rfc4514(&tbs.issuer),
            serial_hex: serial_to_hex(tbs.raw_serial()),
            fingerprint: fingerprint_sha256(der),
            not_before: asn1_time_to_chrono(tbs.validity.not_before)?,
            not_after: asn1_time_to_chrono(tbs.validity.not_after)?,
            spki_der: tbs.subject_pki.raw.to_vec(),
            signature_algorithm: signature_algorithm_of(&cert.signature_algorithm),
            signature: cert.signature_value.data.to_vec(),
            basic_constraints,
            key_usage,
            subject_key_id,
            authority_key_id,
            crl_distribution_points,
            policies,
            eku_allows_signing,
        })
    }

    pub(crate) fn is_ca(&self) -> bool {
        matches!(self.basic_constraints, Some((true, _)))
    }

    /// Verifies that `issuer`'s key signed this certificate.
    pub(crate) fn verify_signed_by(&self, issuer_spki_der: &[u8]) -> Result<(), keys::VerifyError> {
        let alg = self
            .signature_algorithm
            .clone()
            .map_err(|_| keys::VerifyError::UnsupportedAlgorithm)?;
        keys::verify_signature(issuer_spki_der, alg, &self.tbs, &self.signature)
    }

    /// Checks the end-entity constraints for `purpose`.
    pub(crate) fn check_purpose(&self, purpose: Purpose) -> Result<(), CertError> {
        match purpose {
            Purpose::Signing => {
                if self.is_ca() {
                    return Err(CertError::KeyUsage(
                        "a CA certificate cannot be used to sign documents".into(),
                    ));
                }
                if self.eku_allows_signing == Some(false) {
                    return Err(CertError::KeyUsage(
                        "extendedKeyUsage allows none of clientAuth, emailProtection, \
                         documentSigning"
                            .into(),
                    ));
                }
                match self.key_usage {
                    None => Err(CertError::KeyUsage("keyUsage extension is missing".into())),
                    Some(ku) if ku.digital_signature() || ku.non_repudiation() => Ok(()),
                    Some(_) => Err(CertError::KeyUsage(
                        "keyUsage permits neither digitalSignature nor nonRepudiation".into(),
                    )),
                }
            }
        }
    }
}

/// Identity-related text of a certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IdentityText {
    pub(crate) common_name: Option<String>,
    pub(crate) organization: Option<String>,
    pub(crate) uscc: Option<String>,
    pub(crate) person_id: Option<String>,
}

pub(crate) fn extract_identity(
    der: &[u8],
    ident: &IdentityExtraction,
) -> Result<IdentityText, CertError> {
    let cert = parse_x509(der)?;
    Ok(IdentityText {
        common_name: first_attr(cert.subject(), OID_CN),
        organization: first_attr(cert.subject(), OID_O),
        uscc: read_identity_field(&cert, &ident.uscc),
        person_id: read_identity_field(&cert, &ident.person_id),
    })
}

/// Reads the raw text of `field` from a parsed certificate (trimmed; `None` when
/// absent, empty or not text).
pub fn read_identity_field(cert: &X509Certificate<'_>, field: &IdentityField) -> Option<String> {
    let text = match field {
        IdentityField::SubjectSerialNumber => first_attr(cert.subject(), OID_SERIAL_NUMBER),
        IdentityField::SubjectOrganizationalUnit => first_attr(cert.subject(), OID_OU),
        IdentityField::Extension(oid) => cert
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == *oid)
            .and_then(|e| extension_text(e.value)),
    }?;
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn first_attr(name: &X509Name<'_>, oid: &str) -> Option<String> {
    name.iter_attributes()
        .find(|a| a.attr_type().to_id_string() == oid)
        .and_then(attr_text)
}

/// Decodes the string forms found in real DNs, including BMPString, which
/// x509-parser's `as_str` does not handle and which Chinese CAs use for names.
fn attr_text(attr: &AttributeTypeAndValue<'_>) -> Option<String> {
    let value = attr.attr_value();
    decode_string(value.header.tag().0, value.data)
}

fn decode_string(tag: u32, data: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, NumericString, PrintableString, IA5String, VisibleString
        12 | 18 | 19 | 22 | 26 => std::str::from_utf8(data).ok().map(str::to_string),
        // TeletexString: treated as Latin-1, which is what it holds in practice.
        20 => Some(data.iter().map(|b| char::from(*b)).collect()),
        // BMPString: UTF-16BE
        30 => {
            if !data.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        // UniversalString: UTF-32BE
        28 => {
            if !data.len().is_multiple_of(4) {
                return None;
            }
            data.chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

/// Text of an extension value: a DER string type (or an OCTET STRING wrapping
/// text), or, for CAs that put bare text in extnValue, the bytes themselves.
fn extension_text(value: &[u8]) -> Option<String> {
    use x509_parser::der_parser::asn1_rs::{Any, FromBer as _};
    if let Ok((rest, any)) = Any::from_ber(value) {
        if rest.is_empty() {
            let tag = any.header.tag().0;
            if let Some(s) = decode_string(tag, any.data) {
                return Some(s);
            }
            if tag == 4 {
                return extension_text(any.data);
            }
        }
    }
    let text = std::str::from_utf8(value).ok()?;
    (!text.chars().any(char::is_control)).then(|| text.to_string())
}

/// RFC 4514 string form of a DN: RDNs in reverse order, `,` between RDNs, `+`
/// within one. Types use the LDAP short names (CN, L, ST, O, OU, C, STREET, DC, UID,
/// serialNumber, …); unknown types are dotted OIDs with a `#`-hex BER value.
pub fn name_to_rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let oid = atv.attr_type().to_id_string();
                    match (short_name(&oid), attr_text(atv)) {
                        (Some(short), Some(text)) => format!("{short}={}", escape_rfc4514(&text)),
                        _ => {
                            let value = atv.attr_value();
                            format!(
                                "{oid}=#{}",
                                hex::encode(alg_params_der(Some(value)).unwrap_or_default())
                            )
                        }
                    }
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.6" => "C",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "2.5.4.5" => "serialNumber",
        "2.5.4.4" => "SN",
        "2.5.4.42" => "GN",
        "2.5.4.12" => "title",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.97" => "organizationIdentifier",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => return None,
    })
}

fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_field_parses_and_displays() {
        for s in [
            "subject_serial_number",
            "subject_ou",
            "extension:1.2.156.10260.4.1.1",
        ] {
            let f: IdentityField = s.parse().unwrap();
            assert_eq!(f.to_string(), s);
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(serde_json::from_str::<IdentityField>(&json).unwrap(), f);
        }
        assert!("extension:not-an-oid".parse::<IdentityField>().is_err());
        assert!("subject_cn".parse::<IdentityField>().is_err());
        assert_eq!(
            IdentityExtraction::default().uscc,
            IdentityField::SubjectSerialNumber
        );
    }

    #[test]
    fn rfc4514_escaping() {
        assert_eq!(escape_rfc4514("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_rfc4514("#x "), "\\#x\\ ");
        assert_eq!(escape_rfc4514("湖北省"), "湖北省");
    }

    #[test]
    fn serial_hex_strips_leading_zeros() {
        assert_eq!(serial_to_hex(&[0, 0x80, 0x01]), "8001");
        assert_eq!(serial_to_hex(&[0]), "00");
        assert_eq!(serial_to_hex(&[0x7f]), "7f");
    }

    #[test]
    fn extension_text_forms() {
        // UTF8String
        assert_eq!(
            extension_text(&[0x0c, 0x02, b'h', b'i']).as_deref(),
            Some("hi")
        );
        // BMPString "中"
        assert_eq!(
            extension_text(&[0x1e, 0x02, 0x4e, 0x2d]).as_deref(),
            Some("中")
        );
        // OCTET STRING wrapping PrintableString
        assert_eq!(
            extension_text(&[0x04, 0x04, 0x13, 0x02, b'9', b'1']).as_deref(),
            Some("91")
        );
        // Bare text
        assert_eq!(
            extension_text(b"91350100M000100Y43").as_deref(),
            Some("91350100M000100Y43")
        );
        // Binary junk
        assert_eq!(extension_text(&[0x02, 0x01, 0x05]), None);
    }

    #[test]
    fn chain_input_forms() {
        assert!(matches!(
            parse_chain_pem_or_der(b"not a certificate"),
            Err(CertError::Malformed(_))
        ));
        assert!(matches!(
            parse_chain_pem_or_der(b"\x30\x03\x02\x01\x01"),
            Err(CertError::Malformed(_))
        ));
        assert!(matches!(
            parse_chain_pem_or_der(b""),
            Err(CertError::Malformed(_))
        ));
        assert!(matches!(
            parse_chain_pem_or_der(b"\x30\x82\x01"),
            Err(CertError::Malformed(_))
        ));
    }
}
