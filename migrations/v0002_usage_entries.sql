-- v0002_usage_entries: a charge is its own journal entry, and usage is rolled up by day.
--
-- Why: in v0001 a charge wrote three rows (a usage transfer, its allocation and the usage row)
-- into ten b-trees. A durable charge wrote about a dozen pages to the WAL, and an import spent
-- most of its time maintaining indexes. Now a charge writes one usage row, which is itself the
-- journal entry that debits the account and credits @usage, with the lot it drew from inline
-- (further lots, rare, in usage_allocation). A daily rollup, kept in the same transaction as
-- the charge, answers reports, month-to-date spend and limits without scanning usage. The
-- index of live lots becomes an index of all lots (see below).
--
-- Existing books move over unchanged: each usage transfer becomes its usage row's entry (its
-- allocations move inline), the rollup is built from the usage rows, and no balance changes.
-- The journal is now the `transfer` table plus the usage rows that cost something; the view
-- `journal` shows both as transfers.

-- Usage, as v0001 had it, minus the transfer; plus the first lot it drew from.
CREATE TABLE usage_entry (
    id INTEGER PRIMARY KEY,
    -- the provider's request id (or one given or generated): the idempotency key of a charge
    request_id TEXT NOT NULL UNIQUE CHECK (length(request_id) BETWEEN 1 AND 256),
    -- the account debited (the credit side is always @usage)
    account_id INTEGER NOT NULL REFERENCES account(id),
    price_entry_id INTEGER NOT NULL REFERENCES price_entry(id),
    model TEXT NOT NULL,
    service_tier TEXT NOT NULL CHECK (service_tier IN ('default', 'flex', 'batch', 'priority')),
    band TEXT NOT NULL CHECK (band IN ('standard', 'long_context')),
    input_tokens INTEGER NOT NULL CHECK (input_tokens BETWEEN 0 AND 100000000000),
    cached_tokens INTEGER NOT NULL CHECK (cached_tokens BETWEEN 0 AND 100000000000),
    cache_write_tokens INTEGER NOT NULL CHECK (cache_write_tokens BETWEEN 0 AND 100000000000),
    output_tokens INTEGER NOT NULL CHECK (output_tokens BETWEEN 0 AND 100000000000),
    requests INTEGER NOT NULL DEFAULT 1 CHECK (requests >= 1),
    cost_nanos INTEGER NOT NULL CHECK (cost_nanos >= 0),
    occurred_at_ms INTEGER NOT NULL,
    -- the account's balance right after the charge (what a retried request id is answered with)
    balance_after_nanos INTEGER NOT NULL,
    -- the first lot the charge drew from and how much; NULL when no lot paid any of it
    -- (overdraft). What no lot paid is cost - lot_nanos - its usage_allocation rows.
    lot_id INTEGER REFERENCES lot(id),
    lot_nanos INTEGER CHECK (lot_nanos > 0 AND lot_nanos <= cost_nanos),
    project TEXT CHECK (project IS NULL OR length(project) BETWEEN 1 AND 256),
    api_key TEXT CHECK (api_key IS NULL OR length(api_key) BETWEEN 1 AND 256),
    end_user TEXT CHECK (end_user IS NULL OR length(end_user) BETWEEN 1 AND 256),
    CHECK (cached_tokens + cache_write_tokens <= input_tokens),
    CHECK ((lot_id IS NULL) = (lot_nanos IS NULL))
) STRICT;

INSERT INTO usage_entry (
    id, request_id, account_id, price_entry_id, model, service_tier, band, input_tokens, cached_tokens, cache_write_tokens,
    output_tokens, requests, cost_nanos, occurred_at_ms, balance_after_nanos, lot_id, lot_nanos, project, api_key, end_user)
SELECT u.id, u.request_id, u.account_id, u.price_entry_id, u.model, u.service_tier, u.band, u.input_tokens, u.cached_tokens,
       u.cache_write_tokens, u.output_tokens, u.requests, u.cost_nanos, u.occurred_at_ms, u.balance_after_nanos,
       (SELECT min(x.lot_id) FROM allocation x WHERE x.transfer_id = u.transfer_id),
       (SELECT x.amount_nanos FROM allocation x WHERE x.transfer_id = u.transfer_id ORDER BY x.lot_id LIMIT 1),
       u.project, u.api_key, u.end_user
FROM usage u ORDER BY u.id;

-- The lots a charge drew from after its first (a charge that spans lots).
CREATE TABLE usage_allocation (
    usage_id INTEGER NOT NULL REFERENCES usage_entry(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (usage_id, lot_id)
) STRICT, WITHOUT ROWID;

INSERT INTO usage_allocation (usage_id, lot_id, amount_nanos)
SELECT u.id, x.lot_id, x.amount_nanos
FROM usage u JOIN allocation x ON x.transfer_id = u.transfer_id
WHERE x.lot_id > (SELECT min(y.lot_id) FROM allocation y WHERE y.transfer_id = u.transfer_id)
ORDER BY u.id, x.lot_id;

-- The usage transfers and their allocations are now the usage rows'.
DELETE FROM allocation WHERE transfer_id IN (SELECT transfer_id FROM usage WHERE transfer_id IS NOT NULL);
DROP TRIGGER transfer_is_append_only_delete;
DELETE FROM transfer WHERE kind = 'usage';
CREATE TRIGGER transfer_is_append_only_delete BEFORE DELETE ON transfer
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never deleted'); END;
CREATE TRIGGER transfer_is_not_usage BEFORE INSERT ON transfer WHEN NEW.kind = 'usage'
BEGIN SELECT RAISE(ABORT, 'usage is journaled by its usage row, not by a transfer'); END;

DROP TABLE usage;
ALTER TABLE usage_entry RENAME TO usage;
-- No index of usage by account and time any more (v0001 had one): reads by account and day go
-- to usage_daily, and the index cost every charge one more b-tree insert and WAL page (an
-- import of 200,000 rows ran 12% faster without it). Scans of usage rows by time are for
-- verify and reconciliation, which read most of them anyway.

-- Usage rows are journal entries now: append-only like transfers.
CREATE TRIGGER usage_is_append_only_update BEFORE UPDATE ON usage
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: usage is never updated'); END;
CREATE TRIGGER usage_is_append_only_delete BEFORE DELETE ON usage
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: usage is never deleted'); END;
CREATE TRIGGER usage_allocation_is_append_only_update BEFORE UPDATE ON usage_allocation
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: allocations are never updated'); END;
CREATE TRIGGER usage_allocation_is_append_only_delete BEFORE DELETE ON usage_allocation
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: allocations are never deleted'); END;

-- Usage added up per account, UTC day and every key a report groups by; '' where a usage has
-- no project, API key or user (those are never empty otherwise). Updated with every charge;
-- `verify` checks it against the usage rows.
CREATE TABLE usage_daily (
    account_id INTEGER NOT NULL REFERENCES account(id),
    -- the day's first instant (UTC midnight)
    day_ms INTEGER NOT NULL CHECK (day_ms % 86400000 = 0),
    model TEXT NOT NULL,
    service_tier TEXT NOT NULL,
    band TEXT NOT NULL,
    project TEXT NOT NULL,
    api_key TEXT NOT NULL,
    end_user TEXT NOT NULL,
    -- usage rows added up
    charges INTEGER NOT NULL CHECK (charges > 0),
    requests INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_nanos INTEGER NOT NULL,
    PRIMARY KEY (account_id, day_ms, model, service_tier, band, project, api_key, end_user)
) STRICT, WITHOUT ROWID;

INSERT INTO usage_daily
SELECT account_id, occurred_at_ms - occurred_at_ms % 86400000, model, service_tier, band, coalesce(project, ''),
       coalesce(api_key, ''), coalesce(end_user, ''), count(*), sum(requests), sum(input_tokens), sum(cached_tokens),
       sum(cache_write_tokens), sum(output_tokens), sum(cost_nanos)
FROM usage
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- The whole journal, one row per movement, as transfers: the `transfer` table and the usage
-- rows that cost something (debiting their account, crediting @usage, id 3).
CREATE VIEW journal AS
SELECT 'transfer' AS source, id, reference, kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms,
       balance_after_nanos
FROM transfer
UNION ALL
SELECT 'usage', id, request_id, 'usage', account_id, 3, cost_nanos, occurred_at_ms, balance_after_nanos
FROM usage WHERE cost_nanos > 0;

-- A charge lowers its lot's remaining credit. v0001's partial index of live lots (WHERE
-- remaining_nanos > 0) had to be rewritten by every such update, one more page in every
-- charge's commit; an index of all of an account's lots is not touched by it.
DROP INDEX lot_live_by_account;
CREATE INDEX lot_by_account ON lot(account_id, expires_at_ms);

-- Settings of this ledger file, by name.
CREATE TABLE setting (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- How `import usage` makes ids for rows without one. Scheme 1 (v0001) hashed each row to 64
-- random hex digits; scheme 2 leads with the row's time, so a time-ordered file appends to the
-- request id index instead of writing all over it. A ledger that already holds scheme-1 ids
-- keeps scheme 1, so that re-importing a file imported before still charges nothing twice.
INSERT INTO setting (name, value)
SELECT 'import_id_scheme',
       CASE WHEN EXISTS (SELECT 1 FROM usage WHERE request_id LIKE 'imp\_%' ESCAPE '\' AND length(request_id) = 68)
            THEN '1' ELSE '2' END;
