//! Certificate revocation lists: parsing, signature verification and lookup.
//!
//! A CRL is only as good as its signature and freshness, so a parsed [`Crl`] is
//! inert until [`crate::crypto::trust::TrustStore`] has checked it against the
//! issuing certificate and the verification time.
//!
//! Scope handling (RFC 5280 §5.2.5 issuingDistributionPoint): CRLs limited to user
//! or CA certificates, or to one distribution point, are applied only to matching
//! certificates. Delta CRLs, indirect CRLs, reason-partitioned CRLs and CRLs with
//! other unknown critical extensions are never treated as authoritative, because
//! absence from them does not mean "not revoked".

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use x509_parser::extensions::{DistributionPointName, ParsedExtension};
use x509_parser::prelude::FromDer as _;
use x509_parser::revocation_list::CertificateRevocationList;

use super::keys::{self, SignatureAlgorithm};
use super::x509::{
    asn1_time_to_chrono, name_to_rfc4514, serial_to_hex, signature_algorithm_of, split_pem_or_der,
};

/// Why a CRL could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrlError {
    /// Not a parseable CRL.
    #[error("malformed CRL: {0}")]
    Malformed(String),
}

/// Which certificates a CRL speaks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CrlScope {
    /// Full CRL for every certificate of the issuer.
    All,
    /// Restricted by issuingDistributionPoint.
    Restricted {
        only_user: bool,
        only_ca: bool,
        /// Distribution-point names; empty means "no distribution point restriction".
        points: Vec<String>,
    },
    /// Cannot be relied on for "not revoked" (delta, indirect, partitioned by reason,
    /// or an unknown critical extension).
    Unusable(String),
}

/// A parsed CRL.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Vec<u8>,
    issuer_raw: Vec<u8>,
    issuer: String,
    this_update: DateTime<Utc>,
    next_update: Option<DateTime<Utc>>,
    crl_number: Option<String>,
    revoked: HashSet<String>,
    signature_algorithm: Result<SignatureAlgorithm, String>,
    signature: Vec<u8>,
    scope: CrlScope,
}

impl Crl {
    /// Parses a DER CRL.
    pub fn parse(der: &[u8]) -> Result<Crl, CrlError> {
        let (rest, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| CrlError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CrlError::Malformed("trailing data after CRL".into()));
        }
        let tbs = &crl.tbs_cert_list;
        if tbs.signature != crl.signature_algorithm {
            return Err(CrlError::Malformed(
                "inner and outer signature algorithms differ".into(),
            ));
        }
        let to_time = |t| asn1_time_to_chrono(t).map_err(|e| CrlError::Malformed(e.to_string()));
        let revoked = crl
            .iter_revoked_certificates()
            .map(|r| serial_to_hex(r.raw_serial()))
            .collect();
        Ok(Crl {
            der: der.to_vec(),
            tbs: tbs.as_ref().to_vec(),
            issuer_raw: tbs.issuer.as_raw().to_vec(),
            issuer: name_to_rfc4514(&tbs.issuer),
            this_update: to_time(tbs.this_update)?,
            next_update: tbs.next_update.map(to_time).transpose()?,
            crl_number: crl.crl_number().map(|n| n.to_str_radix(16)),
            revoked,
            signature_algorithm: signature_algorithm_of(&crl.signature_algorithm),
            signature: crl.signature_value.data.to_vec(),
            scope: scope_of(&crl),
        })
    }

    /// The CRL as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Issuer DN (RFC 4514).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn issuer_raw(&self) -> &[u8] {
        &self.issuer_raw
    }

    /// `thisUpdate`.
    pub fn this_update(&self) -> DateTime<Utc> {
        self.this_update
    }

    /// `nextUpdate`, if present.
    pub fn next_update(&self) -> Option<DateTime<Utc>> {
        self.next_update
    }

    /// CRL number (hex), if present.
    pub fn crl_number(&self) -> Option<&str> {
        self.crl_number.as_deref()
    }

    /// Revoked serial numbers (lowercase hex, no leading zeros).
    pub fn revoked_serials(&self) -> impl Iterator<Item = &str> {
        self.revoked.iter().map(String::as_str)
    }

    /// Whether `serial_hex` (lowercase, no leading zeros) is listed.
    pub fn is_revoked(&self, serial_hex: &str) -> bool {
        self.revoked.contains(serial_hex)
    }

    /// Not past `nextUpdate` at `at`; a CRL without `nextUpdate` goes stale `max_age` after its
    /// `thisUpdate` (otherwise one old list would vouch for a certificate forever). `thisUpdate`
    /// in the future is tolerated: a freshly published CRL must not be ignored because of clock
    /// skew between the CA and this server.
    pub fn is_current_at(&self, at: DateTime<Utc>, max_age: chrono::Duration) -> bool {
        match self.next_update {
            Some(next) => at <= next,
            None => at <= self.this_update + max_age,
        }
    }

    /// Verifies the CRL signature with the issuer's SubjectPublicKeyInfo.
    pub fn verify_signature(&self, issuer_spki_der: &[u8]) -> Result<(), keys::VerifyError> {
        let alg = self
            .signature_algorithm
            .clone()
            .map_err(|_| keys::VerifyError::UnsupportedAlgorithm)?;
        keys::verify_signature(issuer_spki_der, alg, &self.tbs, &self.signature)
    }

    /// Whether this CRL is authoritative for a certificate with these properties.
    pub(crate) fn covers(&self, cert_is_ca: bool, cert_distribution_points: &[String]) -> bool {
        match &self.scope {
            CrlScope::All => true,
            CrlScope::Unusable(_) => false,
            CrlScope::Restricted {
                only_user,
                only_ca,
                points,
            } => {
                if (*only_user && cert_is_ca) || (*only_ca && !cert_is_ca) {
                    return false;
                }
                points.is_empty() || points.iter().any(|p| cert_distribution_points.contains(p))
            }
        }
    }
}

/// Distribution-point names as comparable strings (the fullName general names).
pub(crate) fn distribution_point_names(dp: Option<&DistributionPointName<'_>>) -> Vec<String> {
    match dp {
        Some(DistributionPointName::FullName(names)) => {
            names.iter().map(|n| n.to_string()).collect()
        }
        // A name relative to the issuer cannot be matched without reconstructing
        // it; an empty list never matches a restricted CRL, which is the safe side.
        _ => Vec::new(),
    }
}

fn scope_of(crl: &CertificateRevocationList<'_>) -> CrlScope {
    let mut scope = CrlScope::All;
    for ext in crl.extensions() {
        let id = ext.oid.to_id_string();
        match (id.as_str(), ext.parsed_extension()) {
            ("2.5.29.27", _) => return CrlScope::Unusable("delta CRL".into()),
            ("2.5.29.28", ParsedExtension::IssuingDistributionPoint(idp)) => {
                if idp.indirect_crl {
                    return CrlScope::Unusable("indirect CRL".into());
                }
                if idp.only_some_reasons.is_some() {
                    return CrlScope::Unusable("CRL partitioned by reason".into());
                }
                if idp.only_contains_attribute_certs {
                    return CrlScope::Unusable("attribute-certificate CRL".into());
                }
                scope = CrlScope::Restricted {
                    only_user: idp.only_contains_user_certs,
                    only_ca: idp.only_contains_ca_certs,
                    points: distribution_point_names(idp.distribution_point.as_ref()),
                };
            }
            ("2.5.29.28", _) => {
                return CrlScope::Unusable("unparseable issuingDistributionPoint".into())
            }
            // CRL number and authority key identifier carry no scope.
            ("2.5.29.20" | "2.5.29.35", _) => {}
            (_, _) if ext.critical => {
                return CrlScope::Unusable(format!("unsupported critical extension {id}"));
            }
            _ => {}
        }
    }
    // Critical CRL entry extensions (e.g. certificateIssuer) change what an entry means.
    let critical_entry_ext = crl
        .iter_revoked_certificates()
        .flat_map(|r| r.extensions())
        .any(|e| e.critical);
    if critical_entry_ext {
        return CrlScope::Unusable("critical CRL entry extension".into());
    }
    scope
}

/// Splits a PEM bundle of "X509 CRL" blocks or DER CRL(s) into DER CRLs.
pub fn parse_crls_pem_or_der(input: &[u8]) -> Result<Vec<Vec<u8>>, CrlError> {
    let ders = split_pem_or_der(input, "X509 CRL").map_err(CrlError::Malformed)?;
    if ders.is_empty() {
        return Err(CrlError::Malformed("no CRL found".into()));
    }
    for der in &ders {
        Crl::parse(der)?;
    }
    Ok(ders)
}
