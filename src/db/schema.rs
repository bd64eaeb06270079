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
    anonymous_downloads (document_id, day) {
        document_id -> Text,
        day -> Text,
        downloads -> BigInt,
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

diesel::table! {
    tenders (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        tenderer_id -> Text,
        agent_id -> Nullable<Text>,
        created_by -> Text,
        state -> Text,
        state_detail -> Text,
        draft -> Text,
        version -> Integer,
        bid_deadline -> Timestamp,
        reconfirm_from_version -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        public_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    tender_versions (tender_id, version) {
        tender_id -> Text,
        version -> Integer,
        kind -> Text,
        notice -> Text,
        notice_digest -> Text,
        published_draft -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_id -> Text,
        signer_fingerprint -> Text,
        rationale -> Nullable<Text>,
        published_at -> Timestamp,
    }
}

diesel::table! {
    tender_documents (id) {
        id -> Text,
        tender_id -> Text,
        title -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        supersedes -> Nullable<Text>,
        published_version -> Nullable<Integer>,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    document_downloads (id) {
        id -> Text,
        document_id -> Text,
        tender_id -> Text,
        principal_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        downloaded_at -> Timestamp,
    }
}

diesel::table! {
    tender_threads (id) {
        id -> Text,
        tender_id -> Text,
        kind -> Text,
        raised_by -> Text,
        body -> Text,
        raised_at -> Timestamp,
        answer_due -> Nullable<Timestamp>,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    announcements (seq) {
        seq -> BigInt,
        id -> Text,
        tender_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    ocds_releases (seq) {
        seq -> BigInt,
        release_id -> Text,
        tender_id -> Text,
        release -> Text,
        released_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (principal_id, idem_key) {
        principal_id -> Text,
        idem_key -> Text,
        request_digest -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_pending (seq) {
        seq -> BigInt,
    }
}

diesel::table! {
    audit_log_entries (log_index) {
        log_index -> BigInt,
        event_id -> Text,
        tender_id -> Nullable<Text>,
        leaf -> Binary,
        leaf_hash -> Binary,
        prev_tender_index -> Nullable<BigInt>,
        prev_tender_leaf_hash -> Nullable<Binary>,
        integrated_at -> Timestamp,
    }
}

diesel::table! {
    audit_tree_nodes (level, idx) {
        level -> Integer,
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    audit_checkpoints (tree_size) {
        tree_size -> BigInt,
        root -> Binary,
        signed_note -> Text,
        reason -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    envelope_keys (principal_id) {
        principal_id -> Text,
        public_key -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        registered_at -> Timestamp,
    }
}

diesel::table! {
    opening_keys (tender_id, section_code) {
        tender_id -> Text,
        section_code -> Text,
        public_key -> Text,
        threshold -> Integer,
        total -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    opening_key_shares (tender_id, section_code, share_index) {
        tender_id -> Text,
        section_code -> Text,
        share_index -> Integer,
        custodian_id -> Text,
        encrypted_share -> Text,
        released_share -> Nullable<Text>,
        release_signature -> Nullable<Text>,
        released_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bid_bonds (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        organisation_id -> Text,
        amount -> Text,
        kind -> Text,
        reference -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    bid_uploads (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        organisation_id -> Text,
        bid_version -> Integer,
        manifest -> Text,
        manifest_sha256 -> Text,
        certificate -> Text,
        certificate_serial -> Text,
        signature_algorithm -> Text,
        state -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bid_upload_parts (upload_id, part_index) {
        upload_id -> Text,
        part_index -> Integer,
        name -> Text,
        ciphertext_len -> BigInt,
        ciphertext_sha256 -> Text,
        received -> BigInt,
        complete -> Bool,
        writer -> Nullable<Text>,
        writer_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bids (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        organisation_id -> Text,
        bidder_uscc -> Text,
        version -> Integer,
        state -> Text,
        manifest -> Text,
        manifest_sha256 -> Text,
        certificate -> Text,
        certificate_serial -> Text,
        signature_algorithm -> Text,
        tender_version -> Integer,
        confirmed_tender_version -> Integer,
        received_at -> Timestamp,
        receipt_event_id -> Text,
        supersedes -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        summary -> Nullable<Text>,
    }
}

diesel::table! {
    bid_parts (bid_id, part_index) {
        bid_id -> Text,
        part_index -> Integer,
        kind -> Text,
        name -> Text,
        ciphertext_len -> BigInt,
        ciphertext_sha256 -> Text,
        storage_key -> Text,
        plaintext_sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    section_openings (tender_id, section_code) {
        tender_id -> Text,
        section_code -> Text,
        state -> Text,
        started_at -> Timestamp,
        decryption_until -> Timestamp,
        recovery_until -> Nullable<Timestamp>,
        record -> Nullable<Text>,
        record_published_at -> Nullable<Timestamp>,
        objections_until -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    opening_attempts (id) {
        id -> Text,
        bid_id -> Text,
        path -> Text,
        actor_id -> Text,
        outcome -> Text,
        error_code -> Nullable<Text>,
        fault -> Nullable<Text>,
        detail -> Nullable<Text>,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    opening_responses (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        organisation_id -> Text,
        kind -> Text,
        text -> Nullable<Text>,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(audit_pending -> audit_events (seq));

diesel::allow_tables_to_appear_in_same_query!(
    audit_pending,
    audit_log_entries,
    audit_tree_nodes,
    audit_checkpoints,
    organisations,
    people,
    role_grants,
    credentials,
    auth_challenges,
    sessions,
    audit_events,
    mail_outbox,
    tenders,
    tender_versions,
    tender_documents,
    document_downloads,
    tender_threads,
    announcements,
    ocds_releases,
    idempotency_keys,
    envelope_keys,
    opening_keys,
    opening_key_shares,
    bid_bonds,
    bid_uploads,
    bid_upload_parts,
    bids,
    bid_parts,
    section_openings,
    opening_attempts,
    opening_responses,
);
