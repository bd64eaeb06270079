//! Table definitions, written by hand in the types both backends share (diesel's MultiBackend
//! has no Timestamptz, Uuid or Jsonb): ids are TEXT UUIDs, times are UTC `TIMESTAMP`, money is
//! canonical decimal TEXT.

diesel::table! {
    organisations (id) {
        id -> Text,
        uscc -> Text,
        name -> Text,
        contact_email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        person_id -> Text,
        name -> Text,
        contact_email -> Text,
        organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    role_grants (principal_id, role) {
        principal_id -> Text,
        role -> Text,
        granted_by -> Nullable<Text>,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    credentials (fingerprint) {
        fingerprint -> Text,
        principal_id -> Text,
        serial_hex -> Text,
        subject -> Text,
        issuer -> Text,
        key_algorithm -> Text,
        not_before -> Timestamp,
        not_after -> Timestamp,
        cert_der -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    auth_challenges (id) {
        id -> Text,
        nonce -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        principal_id -> Text,
        principal_kind -> Text,
        credential_fingerprint -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        id -> Text,
        event_type -> Text,
        tender_id -> Nullable<Text>,
        section_id -> Nullable<Text>,
        actor_role -> Text,
        actor_id -> Text,
        subject -> Text,
        body -> Text,
        body_digest -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        kind -> Text,
        tender_id -> Nullable<Text>,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    people,
    role_grants,
    credentials,
    auth_challenges,
    sessions,
    audit_events,
    mail_outbox,
);
