-- v0006_api_keys: the API keys that `tokenledger serve` authenticates requests with.
--
-- Why: issue 13 puts the ledger behind an HTTP service, and every request carries a key. A key
-- has a role (admin, gateway, reader) and may be limited to one account. Its secret is shown
-- once, when it is made, and never stored: only its SHA-256 digest, which the service looks up
-- (by the unique index) for every request. A public id names the key in lists and revocations.
-- A key is never deleted nor changed, except to record its revocation once: the books keep
-- who had access, and when.

CREATE TABLE api_key (
    id INTEGER PRIMARY KEY,
    -- the key's public name: 'key_' and 16 lowercase hexadecimal digits, random
    public_id TEXT NOT NULL UNIQUE
        CHECK (length(public_id) = 20 AND substr(public_id, 1, 4) = 'key_' AND substr(public_id, 5) NOT GLOB '*[^0-9a-f]*'),
    -- SHA-256 of the secret's UTF-8 bytes; the secret itself is nowhere in the file
    secret_sha256 BLOB NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    -- a label for people
    name TEXT CHECK (name IS NULL OR length(name) BETWEEN 1 AND 256),
    role TEXT NOT NULL CHECK (role = 'admin' OR role = 'gateway' OR role = 'reader'),
    -- the one (customer) account the key may touch; NULL: every account
    account_id INTEGER REFERENCES account(id),
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER CHECK (revoked_at_ms IS NULL OR revoked_at_ms >= created_at_ms)
) STRICT;

CREATE TRIGGER api_key_is_never_deleted BEFORE DELETE ON api_key
BEGIN SELECT RAISE(ABORT, 'API keys are never deleted: revoke them'); END;
CREATE TRIGGER api_key_is_never_changed BEFORE UPDATE OF id, public_id, secret_sha256, name, role, account_id, created_at_ms ON api_key
BEGIN SELECT RAISE(ABORT, 'API keys are never changed: revoke them and make another'); END;
CREATE TRIGGER api_key_is_revoked_once BEFORE UPDATE OF revoked_at_ms ON api_key WHEN OLD.revoked_at_ms IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'an API key is revoked once'); END;
