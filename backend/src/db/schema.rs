// @generated-style: kept in step with `migrations/` (diesel print-schema layout).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        must_change_password -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        last_login_at -> Nullable<BigInt>,
        mfa_enabled -> Bool,
    }
}

diesel::table! {
    account_totp (account_id) {
        account_id -> BigInt,
        secret_sealed -> Text,
        confirmed_at -> Nullable<BigInt>,
        last_step -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    recovery_codes (account_id, code_hash) {
        account_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    mfa_challenges (token_hash) {
        token_hash -> Text,
        account_id -> BigInt,
        expires_at -> BigInt,
        failures -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        account_id -> BigInt,
        created_at -> BigInt,
        expires_at -> BigInt,
        last_seen_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        method -> Text,
        mfa_enrolment_pending -> Bool,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        name -> Text,
        prefix -> Text,
        token_hash -> Text,
        role -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_token_addresses (token_id, ip) {
        token_id -> BigInt,
        ip -> Text,
        first_seen_at -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        outcome -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        details -> Nullable<Text>,
        token_id -> Nullable<BigInt>,
        token_name -> Nullable<Text>,
        count -> BigInt,
    }
}

diesel::table! {
    libraries (id) {
        id -> BigInt,
        pms_key -> BigInt,
        plextv_id -> Nullable<BigInt>,
        title -> Text,
        kind -> Text,
        removed_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    plex_users (id) {
        id -> BigInt,
        plex_user_id -> BigInt,
        title -> Text,
        username -> Nullable<Text>,
        email -> Nullable<Text>,
        thumb -> Nullable<Text>,
        home -> Bool,
        share_id -> Nullable<BigInt>,
        share_pending -> Bool,
        departed_at -> Nullable<BigInt>,
        first_seen_at -> BigInt,
        last_synced_at -> BigInt,
        actual_sharing -> Nullable<Text>,
        sharing -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    access_plans (id) {
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        body -> Text,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    friend_plans (plex_user_id) {
        plex_user_id -> BigInt,
        plan_id -> BigInt,
        plan_name -> Text,
        plan_version -> BigInt,
        given_at -> BigInt,
        reminder_leads -> Nullable<Text>,
    }
}

diesel::table! {
    friend_notifications (plex_user_id) {
        plex_user_id -> BigInt,
        reminder_emails -> Bool,
        time_zone -> Nullable<Text>,
    }
}

diesel::table! {
    notification_channels (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        config -> Text,
        secret_sealed -> Nullable<Text>,
        events -> Text,
        enabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    reminders_sent (plex_user_id, ends_at, lead_minutes) {
        plex_user_id -> BigInt,
        ends_at -> BigInt,
        lead_minutes -> BigInt,
        sent_at -> BigInt,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Text,
        event -> Text,
        occurred_at -> BigInt,
        payload -> Text,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        event_id -> Text,
        channel_id -> BigInt,
        state -> Text,
        attempts -> BigInt,
        next_attempt_at -> BigInt,
        last_error -> Nullable<Text>,
        last_status -> Nullable<BigInt>,
        delivered_at -> Nullable<BigInt>,
        created_at -> BigInt,
        recipient -> Nullable<Text>,
    }
}

diesel::table! {
    invites (id) {
        id -> BigInt,
        identifier -> Text,
        state -> Text,
        plex_user_id -> Nullable<BigInt>,
        plex_account_id -> Nullable<BigInt>,
        body -> Text,
        sent_library_ids -> Text,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> BigInt,
        sent_at -> BigInt,
        expires_at -> BigInt,
        accepted_at -> Nullable<BigInt>,
        ended_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    friend_end (plex_user_id) {
        plex_user_id -> BigInt,
        end_policy -> Nullable<Text>,
        removed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    actual_libraries (plex_user_id, pms_key) {
        plex_user_id -> BigInt,
        pms_key -> BigInt,
    }
}

diesel::table! {
    friend_changes (plex_user_id) {
        plex_user_id -> BigInt,
        seq -> BigInt,
    }
}

diesel::table! {
    apply_states (plex_user_id) {
        plex_user_id -> BigInt,
        state -> Text,
        error -> Nullable<Text>,
        attempts -> BigInt,
        next_retry_at -> Nullable<BigInt>,
        applied_at -> Nullable<BigInt>,
        applied_libraries -> Nullable<Text>,
        updated_at -> BigInt,
        applied_sharing -> Nullable<Text>,
    }
}

diesel::table! {
    grants (id) {
        id -> BigInt,
        plex_user_id -> BigInt,
        library_id -> BigInt,
        starts_at -> Nullable<BigInt>,
        ends_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        repeat_days -> Nullable<Integer>,
        repeat_from -> Nullable<Integer>,
        repeat_to -> Nullable<Integer>,
        repeat_first_date -> Nullable<Text>,
        repeat_last_date -> Nullable<Text>,
    }
}

diesel::table! {
    grant_next_edges (grant_id) {
        grant_id -> BigInt,
        plex_user_id -> BigInt,
        at -> BigInt,
    }
}

diesel::table! {
    watched_jobs (id) {
        id -> Text,
        kind -> Text,
        state -> Text,
        progress_done -> BigInt,
        progress_total -> BigInt,
        result -> Nullable<Text>,
        error -> Nullable<Text>,
        created_by -> Text,
        created_at -> BigInt,
        started_at -> Nullable<BigInt>,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    storage_probe (id) {
        id -> BigInt,
        checked_at -> BigInt,
    }
}

diesel::joinable!(grants -> plex_users (plex_user_id));
diesel::joinable!(friend_end -> plex_users (plex_user_id));
diesel::joinable!(friend_plans -> plex_users (plex_user_id));
diesel::joinable!(friend_notifications -> plex_users (plex_user_id));
diesel::joinable!(invites -> plex_users (plex_user_id));
diesel::joinable!(deliveries -> outbox_events (event_id));
diesel::joinable!(deliveries -> notification_channels (channel_id));
diesel::joinable!(grants -> libraries (library_id));
diesel::joinable!(grant_next_edges -> grants (grant_id));
diesel::joinable!(apply_states -> plex_users (plex_user_id));
diesel::joinable!(actual_libraries -> plex_users (plex_user_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(api_tokens -> accounts (account_id));
diesel::joinable!(api_token_addresses -> api_tokens (token_id));
diesel::joinable!(access_requests -> plex_users (plex_user_id));
diesel::joinable!(plays -> plex_users (plex_user_id));
diesel::joinable!(friend_activity -> plex_users (plex_user_id));
diesel::table! {
    idempotency_keys (account_id, key) {
        account_id -> BigInt,
        key -> Text,
        method -> Text,
        path -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    access_requests,
    plays,
    friend_activity,
    inactivity_notices,
    account_totp,
    recovery_codes,
    mfa_challenges,
    libraries,
    plex_users,
    friend_end,
    friend_plans,
    friend_notifications,
    access_plans,
    invites,
    notification_channels,
    outbox_events,
    reminders_sent,
    deliveries,
    grants,
    grant_next_edges,
    watched_jobs,
    accounts,
    sessions,
    refresh_tokens,
    api_tokens,
    api_token_addresses,
    audit_events,
    settings,
    apply_states,
    actual_libraries,
    friend_changes,
    storage_probe,
    idempotency_keys
);

diesel::table! {
    sso_logins (token_hash) {
        token_hash -> Text,
        csrf_state -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        redirect_uri -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    account_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        account_id -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    passkey_users (account_id) {
        account_id -> BigInt,
        user_handle -> Text,
    }
}

diesel::table! {
    passkeys (id) {
        id -> BigInt,
        account_id -> BigInt,
        credential_id -> Text,
        name -> Text,
        rp_id -> Text,
        passkey -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    passkey_ceremonies (token_hash) {
        token_hash -> Text,
        kind -> Text,
        account_id -> Nullable<BigInt>,
        rp_id -> Text,
        state -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    access_requests (id) {
        id -> BigInt,
        plex_user_id -> BigInt,
        kind -> Text,
        library_id -> Nullable<BigInt>,
        period -> Nullable<Text>,
        message -> Nullable<Text>,
        state -> Text,
        created_at -> BigInt,
        decided_at -> Nullable<BigInt>,
        decided_by -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    plays (history_key) {
        history_key -> Text,
        plex_user_id -> BigInt,
        library_id -> Nullable<BigInt>,
        viewed_at -> BigInt,
        title -> Text,
        kind -> Text,
    }
}

diesel::table! {
    inactivity_notices (plex_user_id) {
        plex_user_id -> BigInt,
        since -> BigInt,
        reminded_at -> Nullable<BigInt>,
        due_told_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    friend_activity (plex_user_id) {
        plex_user_id -> BigInt,
        last_watched_at -> BigInt,
        last_title -> Nullable<Text>,
        watching_now -> Nullable<Text>,
    }
}

diesel::table! {
    portal_sessions (token_hash) {
        token_hash -> Text,
        plex_user_id -> BigInt,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
    }
}
