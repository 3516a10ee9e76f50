-- Consent before an organisation sees a person's progress (issue 15
-- finding 2). A person outside an organisation whom it enrolled (bulk
-- enrolment of an existing account) gets a request; until they grant it the
-- roster shows "awaiting consent" and nothing of their progress. Accepting
-- an invitation grants it. The person can withdraw it (and grant it again)
-- from their account page; withdrawn, the roster hides their progress even
-- if they are a member. Owner: internal/org.
-- +goose Up
CREATE TABLE progress_consents (
    org_id       uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now(),
    granted_at   timestamptz,
    withdrawn_at timestamptz,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX progress_consents_user_idx ON progress_consents (user_id);

-- +goose Down
DROP TABLE progress_consents;
