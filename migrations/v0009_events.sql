-- v0009_events: an outbox of events for webhooks and pollers, low-balance watches, and
-- webhook endpoints with their delivery state and log.
--
-- Why: issue 14. Alerts (soft, hard and tier limits reached, low balance), auto-recharges
-- (succeeded, failed) and lot expiry become events, written by the one effects writer in the
-- same transaction as what caused them: a refused or failed write leaves none, a crash loses
-- none. Each event is also queued, in that transaction, for every webhook endpoint that wants
-- it (`webhook_delivery`), so what is left to send is in the file and `tokenledger serve`
-- sends it after a restart. Every attempt is logged (`webhook_attempt`).

-- An event: a global increasing sequence (never reused), its account, kind, time and payload
-- (compact JSON, money as decimal strings of dollars).
CREATE TABLE event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES account(id),
    kind TEXT NOT NULL CHECK (kind IN ('soft_limit', 'hard_limit', 'tier_limit', 'low_balance', 'recharge_succeeded', 'recharge_failed',
        'lot_expired')),
    occurred_at_ms INTEGER NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload))
) STRICT;
CREATE INDEX event_by_account ON event(account_id, seq);

CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
BEGIN SELECT RAISE(ABORT, 'events are never updated'); END;
CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'events are never deleted'); END;

-- An account's low-balance threshold: a `low_balance` event fires when its credit (balance plus
-- overdraft allowance) goes from at or above the threshold to below it while armed; it re-arms
-- once the credit is back at or above the threshold.
CREATE TABLE low_balance_watch (
    account_id INTEGER PRIMARY KEY REFERENCES account(id),
    threshold_nanos INTEGER NOT NULL CHECK (threshold_nanos > 0 AND threshold_nanos <= 1000000000000000),
    armed INTEGER NOT NULL CHECK (armed IN (0, 1))
) STRICT;

-- Where events are posted. The secret signs each body (HMAC-SHA256), so it is kept as it is:
-- the file must be guarded like the secrets themselves.
CREATE TABLE webhook_endpoint (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the endpoint's public name: 'wh_' and 16 lowercase hexadecimal digits
    public_id TEXT NOT NULL UNIQUE CHECK (length(public_id) = 19 AND substr(public_id, 1, 3) = 'wh_'),
    url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    secret TEXT NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    -- the one account whose events it wants; NULL: every account
    account_id INTEGER REFERENCES account(id),
    -- the kinds it wants, as ',kind,kind,'; NULL: every kind
    kinds TEXT CHECK (kinds IS NULL OR (substr(kinds, 1, 1) = ',' AND substr(kinds, -1, 1) = ',')),
    created_at_ms INTEGER NOT NULL,
    removed_at_ms INTEGER
) STRICT;

-- What is to be sent, or was: one row per event and endpoint that wants it. Per account and
-- endpoint, an event is sent only once the one before it is `delivered` or `failed` (given up).
CREATE TABLE webhook_delivery (
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoint(id),
    event_seq INTEGER NOT NULL REFERENCES event(seq),
    account_id INTEGER NOT NULL REFERENCES account(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at_ms INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, event_seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX webhook_delivery_pending ON webhook_delivery(status, endpoint_id, account_id, event_seq);

-- Every attempt to post an event: the HTTP status (NULL when none came back), the error, when.
CREATE TABLE webhook_attempt (
    id INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoint(id),
    event_seq INTEGER NOT NULL REFERENCES event(seq),
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    status_code INTEGER,
    error TEXT CHECK (error IS NULL OR length(error) <= 1024),
    outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
    attempted_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_attempt_by_event ON webhook_attempt(event_seq, endpoint_id);
