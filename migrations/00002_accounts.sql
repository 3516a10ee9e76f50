-- Accounts: people, their sessions, email links, two-factor recovery codes and
-- the sign-in attempts that drive throttling. Login throttling lives here, not
-- in process memory, because several app instances share one database.
-- +goose Up
CREATE TABLE users (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                  text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    password_hash          text NOT NULL,
    display_name           text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    prefecture_code        char(2) REFERENCES prefectures(code),
    industry_code          char(1) REFERENCES industries(code),
    segment                text CHECK (segment IN ('engineer', 'developer', 'other')),
    birth_year             integer CHECK (birth_year BETWEEN 1900 AND 2100),
    gender                 text NOT NULL DEFAULT 'unspecified' CHECK (gender IN ('female', 'male', 'other', 'unspecified')),
    language               text NOT NULL DEFAULT 'ja' CHECK (language IN ('ja', 'en')),
    privacy_notice_version text NOT NULL,
    consented_at           timestamptz NOT NULL,
    email_verified_at      timestamptz,
    is_platform_admin      boolean NOT NULL DEFAULT false,
    disabled_at            timestamptz,
    failed_logins          integer NOT NULL DEFAULT 0,
    locked_until           timestamptz,
    totp_secret            text,
    totp_enabled_at        timestamptz,
    totp_last_step         bigint NOT NULL DEFAULT 0,
    -- Raised when the password changes or the account is disabled: every
    -- session carries the version it was signed in with and ends when they
    -- differ (sign out everywhere).
    session_version        integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- One-time links sent by email. Only a SHA-256 of the token is stored.
CREATE TABLE email_tokens (
    id          bigserial PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose);

CREATE TABLE recovery_codes (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    used_at    timestamptz
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);

-- Every sign-in attempt by client IP, for the per-IP limit.
CREATE TABLE login_attempts (
    id           bigserial PRIMARY KEY,
    ip           text NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    succeeded    boolean NOT NULL
);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, attempted_at);

-- Sessions, in the shape github.com/alexedwards/scs/postgresstore expects.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE login_attempts;
DROP TABLE recovery_codes;
DROP TABLE email_tokens;
DROP TABLE users;
