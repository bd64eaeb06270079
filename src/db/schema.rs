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
        event_digest -> Nullable<Text>,
    }
}

diesel::table! {
    audit_witnesses (name) {
        name -> Text,
        key_id -> Text,
        verifier_key -> Text,
        registered_by -> Text,
        registered_at -> Timestamp,
    }
}

diesel::table! {
    audit_cosignatures (tree_size, witness_name) {
        tree_size -> BigInt,
        witness_name -> Text,
        signed_at -> BigInt,
        signature_line -> Text,
        received_at -> Timestamp,
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
    remedy_custodians (tender_id, section_code, share_index) {
        tender_id -> Text,
        section_code -> Text,
        share_index -> Integer,
        custodian_id -> Text,
        public_key -> Text,
        threshold -> Integer,
        total -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    remedy_releases (bid_id, share_index) {
        bid_id -> Text,
        share_index -> Integer,
        tender_id -> Text,
        section_code -> Text,
        custodian_id -> Text,
        share_value -> Nullable<Text>,
        share_sha256 -> Text,
        valid -> Bool,
        signature -> Text,
        released_at -> Timestamp,
    }
}

diesel::table! {
    bid_bonds (id) {
        id -> Text,
        bidder_ref -> Text,
        reference_ref -> Text,
        sealed -> Text,
        recorded_at -> Timestamp,
        tender_id -> Nullable<Text>,
        section_code -> Nullable<Text>,
    }
}

diesel::table! {
    bond_accounts (account_ref) {
        account_ref -> Text,
        bidder_ref -> Text,
        sealed -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bid_uploads (id) {
        id -> Text,
        bidder_ref -> Text,
        owner_ref -> Text,
        bid_version -> Integer,
        sealed -> Text,
        manifest_sha256 -> Text,
        state -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        tender_id -> Nullable<Text>,
        section_code -> Nullable<Text>,
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
        bidder_ref -> Text,
        version -> Integer,
        state -> Text,
        sealed -> Text,
        manifest_sha256 -> Text,
        tender_version -> Integer,
        confirmed_tender_version -> Integer,
        received_at -> Timestamp,
        receipt_event_id -> Text,
        supersedes -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        summary -> Nullable<Text>,
        tender_id -> Nullable<Text>,
        section_code -> Nullable<Text>,
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
        opened_key -> Nullable<Text>,
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

diesel::table! {
    experts (id) {
        id -> Text,
        library -> Text,
        principal_id -> Text,
        name -> Text,
        region -> Text,
        employer -> Text,
        employer_uscc -> Nullable<Text>,
        department -> Nullable<Text>,
        title -> Text,
        senior_title -> Bool,
        practice_years -> Integer,
        phone -> Text,
        email -> Text,
        status -> Text,
        status_until -> Nullable<Timestamp>,
        status_reason -> Nullable<Text>,
        admitted_by -> Text,
        admitted_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    expert_specialties (code, expert_id) {
        code -> Text,
        expert_id -> Text,
        library -> Text,
        status -> Text,
        status_until -> Nullable<Timestamp>,
        region -> Text,
        employer_uscc -> Nullable<Text>,
        department -> Nullable<Text>,
    }
}

diesel::table! {
    expert_avoid_units (expert_id, uscc) {
        expert_id -> Text,
        uscc -> Text,
        name -> Text,
        is_working -> Bool,
    }
}

diesel::table! {
    draws (id) {
        id -> Text,
        purpose -> Text,
        tender_id -> Text,
        section_code -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        evaluation_at -> Timestamp,
        place -> Text,
        remote -> Bool,
        frame_digest -> Text,
        commitment -> Text,
        secret -> Text,
        contribute_by -> Timestamp,
        state -> Text,
        drawn_at -> Nullable<Timestamp>,
        revealed_at -> Nullable<Timestamp>,
        fallback_event -> Nullable<Text>,
        frame_event -> Text,
        outline -> Text,
    }
}

diesel::table! {
    draw_contributions (draw_id, position) {
        draw_id -> Text,
        position -> Integer,
        contributor -> Text,
        value -> Text,
        signature -> Nullable<Text>,
        signature_algorithm -> Nullable<Text>,
        signer_fingerprint -> Nullable<Text>,
        contributed_at -> Timestamp,
    }
}

diesel::table! {
    draw_members (draw_id, group_code, rank) {
        draw_id -> Text,
        group_code -> Text,
        rank -> Integer,
        expert_id -> Text,
        principal_id -> Text,
        status -> Text,
        answer_by -> Nullable<Timestamp>,
        answered_at -> Nullable<Timestamp>,
        checkin_by -> Nullable<Timestamp>,
    }
}

diesel::table! {
    draw_checkins (draw_id, group_code, rank) {
        draw_id -> Text,
        group_code -> Text,
        rank -> Integer,
        expert_id -> Text,
        principal_id -> Text,
        checked_in_at -> Timestamp,
        conflict_party -> Nullable<Text>,
        conflict_reason -> Nullable<Text>,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
    }
}

diesel::table! {
    departments (code) {
        code -> Text,
        name -> Text,
        kinds -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bidding_bans (id) {
        id -> Text,
        uscc -> Text,
        name -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        decision_no -> Text,
        legal_basis -> Text,
        department_code -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Nullable<Text>,
        department_code -> Nullable<Text>,
        subject -> Text,
        objection_id -> Nullable<Text>,
        complainant_id -> Text,
        complainant_uscc -> Text,
        body -> Text,
        known_at -> Timestamp,
        filed_at -> Timestamp,
        signature -> Text,
        signature_algorithm -> Text,
        certificate -> Text,
        state -> Text,
        handled_by -> Nullable<Text>,
        handled_at -> Nullable<Timestamp>,
        handled_late -> Nullable<Bool>,
        refusal_ground -> Nullable<Text>,
        refusal_reason -> Nullable<Text>,
        pauses -> Text,
        outcome -> Nullable<Text>,
        redo -> Nullable<Text>,
        decision_text -> Nullable<Text>,
        decision_signature -> Nullable<Text>,
        decision_signature_algorithm -> Nullable<Text>,
        decision_certificate -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_late -> Nullable<Bool>,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    enforcement_officers (person_id) {
        person_id -> Text,
        department_code -> Text,
        certificate_no -> Text,
        specialty -> Text,
        avoid_units -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    committees (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        draw_id -> Text,
        state -> Text,
        leader_member_id -> Nullable<Text>,
        formed_by -> Text,
        formed_at -> Timestamp,
        min_members -> Integer,
        extension_required_at -> Nullable<Timestamp>,
        extended_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    committee_time_requests (committee_id, member_id) {
        committee_id -> Text,
        member_id -> Text,
        reason -> Text,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_reports (id) {
        id -> Text,
        committee_id -> Text,
        tender_id -> Text,
        section_code -> Text,
        state -> Text,
        document -> Text,
        digest -> Text,
        outcome -> Text,
        generated_by -> Text,
        generated_at -> Timestamp,
        sign_until -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    report_signatures (report_id, member) {
        report_id -> Text,
        member -> Text,
        assent -> Text,
        reason -> Nullable<Text>,
        signature -> Nullable<Text>,
        signature_algorithm -> Nullable<Text>,
        signer_fingerprint -> Nullable<Text>,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    clarifications (id) {
        id -> Text,
        committee_id -> Text,
        bid_id -> Text,
        question -> Text,
        question_sha256 -> Text,
        asked_by -> Text,
        asked_at -> Timestamp,
        due_at -> Timestamp,
        answer -> Nullable<Text>,
        answer_signature -> Nullable<Text>,
        answer_signature_algorithm -> Nullable<Text>,
        answer_certificate -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        accepted -> Nullable<Bool>,
        decision_reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rejection_motions (id) {
        id -> Text,
        committee_id -> Text,
        bid_id -> Text,
        reason -> Text,
        statement -> Text,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        carried -> Nullable<Bool>,
    }
}

diesel::table! {
    motion_votes (motion_id, member_id) {
        motion_id -> Text,
        member_id -> Text,
        in_favour -> Bool,
        reason -> Nullable<Text>,
        voted_at -> Timestamp,
    }
}

diesel::table! {
    committee_members (id) {
        id -> Text,
        committee_id -> Text,
        principal_id -> Text,
        kind -> Text,
        expert_id -> Nullable<Text>,
        specialty -> Nullable<Text>,
        active -> Bool,
        joined_at -> Timestamp,
        left_at -> Nullable<Timestamp>,
        left_reason -> Nullable<Text>,
        left_note -> Nullable<Text>,
        replaced_by -> Nullable<Text>,
        leader_vote -> Nullable<Text>,
    }
}

diesel::table! {
    evaluation_sheets (id) {
        id -> Text,
        committee_id -> Text,
        member_id -> Text,
        principal_id -> Text,
        stage -> Text,
        body -> Text,
        statement_sha256 -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        certificate -> Text,
        submitted_at -> Timestamp,
        revealed_at -> Nullable<Timestamp>,
        void -> Bool,
    }
}

diesel::table! {
    deviation_flags (id) {
        id -> Text,
        committee_id -> Text,
        sheet_id -> Text,
        member_id -> Text,
        bid_id -> Text,
        criterion -> Nullable<Text>,
        score -> Text,
        others_mean -> Text,
        flagged_at -> Timestamp,
    }
}

diesel::table! {
    deviation_reasons (flag_id) {
        flag_id -> Text,
        committee_id -> Text,
        member_id -> Text,
        bid_id -> Text,
        criterion -> Nullable<Text>,
        reason -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        filed_at -> Timestamp,
    }
}

diesel::table! {
    section_awards (tender_id, section_code) {
        tender_id -> Text,
        section_code -> Text,
        mode -> Text,
        stage -> Text,
        candidates -> Text,
        report_id -> Text,
        report_digest -> Text,
        winner_bid_id -> Nullable<Text>,
        winner_reason -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        publicity_from -> Nullable<Timestamp>,
        publicity_until -> Nullable<Timestamp>,
        open_objections -> Integer,
        award_round -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        convened_among -> Nullable<Text>,
        convened_round -> Nullable<Integer>,
    }
}

diesel::table! {
    clearing_reports (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        filed_by -> Text,
        body -> Text,
        statement_sha256 -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        certificate -> Text,
        filed_at -> Timestamp,
    }
}

diesel::table! {
    award_statements (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        person_id -> Text,
        member_id -> Text,
        conflict_party -> Nullable<Text>,
        conflict_reason -> Nullable<Text>,
        statement_sha256 -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        certificate -> Text,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    award_committees (tender_id, section_code, award_round) {
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        draw_id -> Nullable<Text>,
        size -> Integer,
        drawn -> Integer,
        formed_by -> Text,
        formed_at -> Timestamp,
        roster_sha256 -> Text,
        witness_id -> Nullable<Text>,
        witness_signature -> Nullable<Text>,
        witness_algorithm -> Nullable<Text>,
        witness_fingerprint -> Nullable<Text>,
        witness_certificate -> Nullable<Text>,
        witnessed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    award_committee_members (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        person_id -> Text,
        member_id -> Text,
        role -> Text,
        how -> Text,
        draw_id -> Nullable<Text>,
        draw_rank -> Nullable<Integer>,
        statement_sha256 -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        active -> Bool,
        joined_at -> Timestamp,
        left_at -> Nullable<Timestamp>,
        left_reason -> Nullable<Text>,
        replaced_by -> Nullable<Text>,
    }
}

diesel::table! {
    award_publications (tender_id, section_code, award_round) {
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        published_by -> Text,
        published_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        late -> Bool,
        days -> Integer,
        publicity_from -> Timestamp,
        publicity_until -> Timestamp,
    }
}

diesel::table! {
    award_objections (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        raised_by -> Text,
        objector_uscc -> Text,
        body -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        certificate -> Text,
        raised_at -> Timestamp,
        answer_due -> Timestamp,
        outcome -> Nullable<Text>,
        send_back -> Nullable<Text>,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_late -> Nullable<Bool>,
    }
}

diesel::table! {
    award_dropouts (tender_id, section_code, bid_id) {
        tender_id -> Text,
        section_code -> Text,
        bid_id -> Text,
        reason -> Text,
        statement -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    award_notices (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        kind -> Text,
        bid_id -> Text,
        addressee_id -> Text,
        document -> Text,
        digest -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        certificate -> Text,
        signer_id -> Text,
        signer_fingerprint -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    award_written_reports (tender_id, section_code, award_round) {
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        notified_at -> Timestamp,
        due_at -> Timestamp,
        document -> Nullable<Text>,
        digest -> Nullable<Text>,
        signature -> Nullable<Text>,
        signature_algorithm -> Nullable<Text>,
        certificate -> Nullable<Text>,
        signer_id -> Nullable<Text>,
        filed_at -> Nullable<Timestamp>,
        overdue_flagged_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(audit_pending -> audit_events (seq));
diesel::joinable!(expert_specialties -> experts (expert_id));
diesel::joinable!(expert_avoid_units -> experts (expert_id));
diesel::joinable!(draw_members -> draws (draw_id));
diesel::joinable!(draw_contributions -> draws (draw_id));

diesel::joinable!(audit_cosignatures -> audit_witnesses (witness_name));

diesel::table! {
    role_requests (principal_id, role) {
        principal_id -> Text,
        role -> Text,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    entrustments (id) {
        id -> Text,
        tenderer_id -> Text,
        agent_id -> Text,
        project -> Text,
        certificate_fingerprint -> Text,
        signature_algorithm -> Text,
        signature -> Text,
        created_at -> Timestamp,
        tender_id -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff_invitations (person_id, organisation_id) {
        person_id -> Text,
        organisation_id -> Text,
        invited_by -> Text,
        invited_at -> Timestamp,
    }
}

diesel::table! {
    tender_departments (tender_id) {
        tender_id -> Text,
        department_code -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    treasury_payments,
    treasury_links,
    treasury_pulls,
    licence_fetches,
    licence_verdicts,
    performance_ratings,
    performance_replies,
    validity_extensions,
    validity_answers,
    validity_reminders,
    contracts_withdrawn,
    contract_completions,
    tender_departments,
    section_awards,
    clearing_reports,
    award_statements,
    award_committees,
    award_committee_members,
    audit_pending,
    audit_witnesses,
    audit_cosignatures,
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
    remedy_custodians,
    remedy_releases,
    bid_bonds,
    bond_accounts,
    bid_uploads,
    bid_upload_parts,
    bids,
    bid_parts,
    section_openings,
    opening_attempts,
    opening_responses,
    experts,
    expert_specialties,
    expert_avoid_units,
    draws,
    draw_contributions,
    draw_checkins,
    complaints,
    departments,
    enforcement_officers,
    bidding_bans,
    draw_members,
    committees,
    committee_members,
    evaluation_reports,
    report_signatures,
    committee_time_requests,
    clarifications,
    rejection_motions,
    motion_votes,
    evaluation_sheets,
    deviation_flags,
    deviation_reasons,
    role_requests,
    entrustments,
    staff_invitations,
    award_publications,
    award_objections,
    award_dropouts,
    award_notices,
    award_written_reports,
    cases,
    case_evidence,
    inspection_rounds,
    inspection_tasks,
    inspection_evidence,
    inspection_plans,
    contracts,
    contract_versions,
    contract_changes,
    bond_refunds,
);

diesel::table! {
    collusion_runs (tender_id, section_code) {
        tender_id -> Text,
        section_code -> Text,
        bids -> Integer,
        signals -> Integer,
        digest -> Text,
        computed_at -> Timestamp,
        duration_ms -> Integer,
    }
}

diesel::table! {
    collusion_signals (tender_id, section_code, seq) {
        tender_id -> Text,
        section_code -> Text,
        seq -> Integer,
        kind -> Text,
        strength -> Text,
        members -> Text,
        evidence -> Text,
        basis -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    opened_preparations (bid_id) {
        bid_id -> Text,
        sealed -> Text,
    }
}

diesel::table! {
    award_steps (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        seq -> Integer,
        kind -> Text,
        among -> Text,
        picks -> Integer,
        reason -> Text,
        members -> Text,
        opened_at -> Timestamp,
        closes_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        draw_id -> Nullable<Text>,
    }
}

diesel::table! {
    award_ballots (id) {
        id -> Text,
        step_id -> Text,
        person_id -> Text,
        kind -> Text,
        choices -> Text,
        reason -> Nullable<Text>,
        statement_sha256 -> Text,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        certificate -> Text,
        cast_at -> Timestamp,
        revealed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    award_reports (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        document -> Text,
        digest -> Text,
        generated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        sign_until -> Nullable<Timestamp>,
        deemed_agreed -> Nullable<Text>,
    }
}

diesel::table! {
    award_report_signatures (report_id, person_id) {
        report_id -> Text,
        person_id -> Text,
        chair -> Bool,
        signature -> Text,
        signature_algorithm -> Text,
        signer_fingerprint -> Text,
        certificate -> Text,
        signed_at -> Timestamp,
        dissent -> Nullable<Text>,
    }
}

diesel::table! {
    supervision_items (code) {
        code -> Text,
        name -> Text,
        legal_basis -> Text,
        lead_department -> Text,
        co_departments -> Text,
        risk_level -> Text,
        object_kind -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    compliance_entries (item_code, seq) {
        item_code -> Text,
        seq -> Integer,
        requirement -> Text,
        basis -> Text,
        common_violation -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    check_items (code) {
        code -> Text,
        item_code -> Text,
        content -> Text,
        method -> Text,
        department -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inspection_plans (code) {
        code -> Text,
        name -> Text,
        lead_department -> Text,
        period_from -> Text,
        period_to -> Text,
        items -> Text,
        sampling_ratio -> Text,
        grades -> Text,
        departments -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    credit_grades (object_kind, object_id) {
        object_kind -> Text,
        object_id -> Text,
        grade -> Text,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        department_code -> Text,
        state -> Text,
        source_kind -> Text,
        source_id -> Text,
        party_kind -> Text,
        party_uscc -> Nullable<Text>,
        party_person -> Nullable<Text>,
        party_name -> Text,
        summary -> Text,
        occurred_on -> Timestamp,
        grave -> Bool,
        opened_by -> Text,
        opened_at -> Timestamp,
        registered_at -> Nullable<Timestamp>,
        extended_days -> Integer,
        decision_due -> Nullable<Timestamp>,
        notice -> Nullable<Text>,
        notified_at -> Nullable<Timestamp>,
        reply_due -> Nullable<Timestamp>,
        hearing_rights -> Bool,
        defence -> Nullable<Text>,
        hearing -> Nullable<Text>,
        decision -> Nullable<Text>,
        decision_no -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        serve_due -> Nullable<Timestamp>,
        served_at -> Nullable<Timestamp>,
        served_late -> Bool,
        executed_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_evidence (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        title -> Text,
        file_name -> Text,
        content_type -> Text,
        storage_key -> Text,
        sha256 -> Text,
        size -> BigInt,
        added_by -> Text,
        added_at -> Timestamp,
        second_officer -> Text,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inspection_rounds (id) {
        id -> Text,
        plan_code -> Text,
        teams -> Integer,
        requested_by -> Text,
        requested_at -> Timestamp,
        contribute_by -> Timestamp,
        frame_event -> Text,
        frame_digest -> Text,
        commitment -> Text,
        secret -> Text,
        outline -> Text,
        state -> Text,
        contributor -> Nullable<Text>,
        contribution -> Nullable<Text>,
        contributed_at -> Nullable<Timestamp>,
        fallback_event -> Nullable<Text>,
        drawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inspection_tasks (id) {
        id -> Text,
        round_id -> Text,
        seq -> Integer,
        object_kind -> Text,
        object_id -> Text,
        unit -> Nullable<Text>,
        stratum -> Text,
        team -> Text,
        substitutions -> Text,
        staffed -> Bool,
        checklist -> Text,
        state -> Text,
        visited_on -> Nullable<Text>,
        results -> Nullable<Text>,
        results_digest -> Nullable<Text>,
        signatures -> Text,
        findings -> Integer,
        recorded_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inspection_evidence (id) {
        id -> Text,
        task_id -> Text,
        title -> Text,
        file_name -> Text,
        content_type -> Text,
        storage_key -> Text,
        sha256 -> Text,
        size -> BigInt,
        added_by -> Text,
        added_at -> Timestamp,
    }
}

diesel::joinable!(inspection_tasks -> inspection_rounds (round_id));

diesel::table! {
    contract_completions (contract_id) {
        contract_id -> Text,
        completed_on -> Text,
        remarks -> Text,
        document -> Text,
        digest -> Text,
        signature -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    contracts_withdrawn (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        bid_id -> Text,
        digest -> Text,
        draft -> Text,
        reason -> Text,
        withdrawn_by -> Text,
        withdrawn_at -> Timestamp,
    }
}

diesel::table! {
    contracts (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        award_round -> Integer,
        bid_id -> Text,
        tenderer_id -> Text,
        winner_id -> Text,
        state -> Text,
        version -> Integer,
        terms -> Text,
        document -> Text,
        digest -> Text,
        notice_digest -> Text,
        notified_at -> Timestamp,
        due_at -> Timestamp,
        performance_bond -> Nullable<Text>,
        tenderer_signature -> Nullable<Text>,
        winner_signature -> Nullable<Text>,
        signed_at -> Nullable<Timestamp>,
        reminders_sent -> Integer,
        overdue_flagged_at -> Nullable<Timestamp>,
        terminated_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contract_versions (contract_id, version) {
        contract_id -> Text,
        version -> Integer,
        terms -> Text,
        digest -> Text,
        change_id -> Nullable<Text>,
        changes -> Text,
        effective_at -> Timestamp,
    }
}

diesel::table! {
    contract_changes (id) {
        id -> Text,
        contract_id -> Text,
        base_version -> Integer,
        kind -> Text,
        reason -> Text,
        note -> Text,
        terms -> Nullable<Text>,
        changes -> Text,
        document -> Text,
        digest -> Text,
        proposer -> Text,
        tenderer_signature -> Nullable<Text>,
        winner_signature -> Nullable<Text>,
        state -> Text,
        proposed_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bond_refunds (id) {
        id -> Text,
        bond_id -> Text,
        tender_id -> Nullable<Text>,
        section_code -> Nullable<Text>,
        sealed_scope -> Nullable<Text>,
        organisation_id -> Text,
        kind -> Text,
        principal -> Text,
        received_at -> Timestamp,
        ground -> Text,
        ground_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        state -> Text,
        interest_rate -> Text,
        day_basis -> Integer,
        interest -> Nullable<Text>,
        refunded_at -> Nullable<Timestamp>,
        bank_reference -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        overdue_flagged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    licence_fetches (id) {
        id -> Text,
        uscc -> Text,
        source -> Text,
        attempted_at -> Timestamp,
        outcome -> Text,
        http_status -> Nullable<Integer>,
        digest -> Nullable<Text>,
        signature -> Nullable<Text>,
        key_id -> Nullable<Text>,
        facts -> Nullable<Text>,
        error -> Nullable<Text>,
        requested_by -> Text,
        requested_role -> Text,
    }
}

diesel::table! {
    treasury_payments (payment_id) {
        payment_id -> Text,
        contract_id -> Text,
        tender_id -> Text,
        section_code -> Text,
        amount -> Text,
        paid_at -> Timestamp,
        record -> Text,
        digest -> Text,
        pull_id -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    treasury_links (contract_id) {
        contract_id -> Text,
        last_pull_at -> Timestamp,
        last_outcome -> Text,
        last_http_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_complete_at -> Nullable<Timestamp>,
        failures_in_row -> Integer,
        pulls -> Integer,
    }
}

diesel::table! {
    treasury_pulls (id) {
        id -> Text,
        contract_id -> Text,
        pulled_at -> Timestamp,
        source -> Text,
        outcome -> Text,
        http_status -> Nullable<Integer>,
        pages -> Integer,
        attempts -> Integer,
        received -> Integer,
        imported -> Integer,
        duplicates -> Integer,
        problems -> Text,
        error -> Nullable<Text>,
        triggered_by -> Text,
    }
}

diesel::table! {
    licence_verdicts (tender_id, section_code) {
        tender_id -> Text,
        section_code -> Text,
        committee_id -> Text,
        frozen_at -> Timestamp,
        bid_deadline -> Timestamp,
        bids -> Text,
    }
}

diesel::table! {
    performance_ratings (id) {
        id -> Text,
        contract_id -> Text,
        tender_id -> Text,
        section_code -> Text,
        winner_uscc -> Text,
        phase -> Text,
        score -> Text,
        grade -> Text,
        remarks -> Text,
        document -> Text,
        digest -> Text,
        signature -> Text,
        rated_by -> Text,
        rated_at -> Timestamp,
    }
}

diesel::table! {
    performance_replies (rating_id) {
        rating_id -> Text,
        text -> Text,
        document -> Text,
        digest -> Text,
        signature -> Text,
        replied_by -> Text,
        replied_at -> Timestamp,
    }
}

diesel::table! {
    validity_extensions (id) {
        id -> Text,
        tender_id -> Text,
        section_code -> Text,
        previous_end -> Timestamp,
        new_end -> Timestamp,
        answer_due -> Timestamp,
        reason -> Text,
        asked -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    validity_reminders (tender_id, section_code) {
        tender_id -> Text,
        section_code -> Text,
        end_at -> Timestamp,
        sent -> Integer,
    }
}

diesel::table! {
    validity_answers (extension_id, bid_id) {
        extension_id -> Text,
        bid_id -> Text,
        organisation_id -> Text,
        agree -> Bool,
        document -> Text,
        digest -> Text,
        signature -> Text,
        answered_by -> Text,
        answered_at -> Timestamp,
    }
}
