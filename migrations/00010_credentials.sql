-- Credentials: signed Open Badges 3.0 credentials and the Bitstring Status
-- Lists that say whether each one is revoked.
-- +goose Up

-- One W3C Bitstring Status List per row: bits is the raw bitstring (entry i
-- is bit i, in byte i/8, most significant bit first), 131,072 entries.
-- next_index is the next entry to hand out; taking one is a single
-- conditional UPDATE, so two credentials never share an entry.
CREATE TABLE status_lists (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z]+-[0-9]+$'),
    purpose     text NOT NULL CHECK (purpose IN ('revocation')),
    seq         integer NOT NULL CHECK (seq >= 1),
    bits        bytea NOT NULL CHECK (length(bits) >= 16384),
    next_index  integer NOT NULL DEFAULT 0 CHECK (next_index >= 0 AND next_index <= length(bits) * 8),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (purpose, seq)
);

INSERT INTO status_lists (id, purpose, seq, bits)
VALUES ('revocation-1', 'revocation', 1, decode(repeat('00', 16384), 'hex'));

-- Issued credentials. id is the random public id (the verification page's
-- URL). One credential per enrolment: the UNIQUE constraint makes issuance
-- happen exactly once however many completion events race. Users are
-- anonymised on account deletion, never deleted, so user_id needs no cascade;
-- a credential outlives the course's catalogue entry (no cascades at all).
-- document is the signed credential as text, byte for byte as issued (jsonb
-- would reorder keys and change the bytes).
CREATE TABLE credentials (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    enrolment_id       uuid UNIQUE REFERENCES enrolments(id),
    path_id            uuid,
    user_id            uuid NOT NULL REFERENCES users(id),
    course_id          uuid REFERENCES courses(id),
    status_list_id     text NOT NULL REFERENCES status_lists(id),
    status_index       integer NOT NULL CHECK (status_index >= 0),
    issued_at          timestamptz NOT NULL DEFAULT now(),
    valid_from         timestamptz NOT NULL,
    valid_until        timestamptz,
    revoked_at         timestamptz,
    revocation_reason  text NOT NULL DEFAULT '',
    key_id             text NOT NULL,
    document           text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (status_list_id, status_index),
    CHECK (enrolment_id IS NOT NULL OR path_id IS NOT NULL),
    CHECK (valid_until IS NULL OR valid_until > valid_from),
    CHECK (revoked_at IS NOT NULL OR revocation_reason = '')
);

CREATE INDEX credentials_user ON credentials (user_id, issued_at DESC);
CREATE INDEX credentials_course ON credentials (course_id) WHERE course_id IS NOT NULL;

-- +goose Down
DROP TABLE credentials;
DROP TABLE status_lists;
