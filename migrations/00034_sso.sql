-- Issue 18: single sign-on per organisation (docs/sso.md).
--
-- org_email_domains: an email domain an organisation claims. Ownership is
-- shown by a confirmation link mailed to an address at the domain
-- (confirmed_at), then a platform admin approves it (approved_at). Only
-- approved domains route "sign in with your organisation".
-- identity_providers: one OpenID Connect or SAML provider per organisation,
-- configured by its admins. The client secret is write-only (never shown
-- again after it is saved).
-- sso_identities: which account a provider's subject is, with what the
-- provider said about the person at the last sign-in.
-- +goose Up
CREATE TABLE org_email_domains (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    domain            text NOT NULL,
    confirm_email     text NOT NULL,
    confirm_hash      bytea,
    confirm_expires   timestamptz NOT NULL,
    confirmed_at      timestamptz,
    approved_at       timestamptz,
    approved_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    requested_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (domain = lower(domain) AND domain <> '')
);
-- A domain belongs to at most one organisation once approved; claims by
-- several may wait side by side until a platform admin picks one.
CREATE UNIQUE INDEX org_email_domains_approved ON org_email_domains (domain) WHERE approved_at IS NOT NULL;
CREATE UNIQUE INDEX org_email_domains_org_domain ON org_email_domains (org_id, domain);
CREATE UNIQUE INDEX org_email_domains_confirm ON org_email_domains (confirm_hash) WHERE confirm_hash IS NOT NULL;

CREATE TABLE identity_providers (
    org_id              uuid PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    protocol            text NOT NULL DEFAULT 'oidc' CHECK (protocol IN ('oidc', 'saml')),
    issuer              text NOT NULL,
    client_id           text NOT NULL,
    client_secret       text NOT NULL DEFAULT '',
    -- SAML: the IdP's metadata (issuer is then its entityID).
    saml_metadata       text NOT NULL DEFAULT '',
    mfa_acr_values      text[] NOT NULL DEFAULT '{}',
    department_claim    text NOT NULL DEFAULT '',
    employee_no_claim   text NOT NULL DEFAULT '',
    require_sso         boolean NOT NULL DEFAULT false,
    enabled             boolean NOT NULL DEFAULT true,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    updated_by          uuid REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE sso_identities (
    org_id          uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    issuer          text NOT NULL,
    subject         text NOT NULL,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    department      text NOT NULL DEFAULT '',
    employee_number text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject),
    UNIQUE (org_id, user_id)
);
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- SAML: the AuthnRequests sent and not yet answered (a response must be in
-- response to one of them, once), and the assertion ids already used.
CREATE TABLE saml_requests (
    id           text PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    link_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL
);
CREATE TABLE saml_assertions_used (
    id         text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE saml_assertions_used;
DROP TABLE saml_requests;
DROP TABLE sso_identities;
DROP TABLE identity_providers;
DROP TABLE org_email_domains;
