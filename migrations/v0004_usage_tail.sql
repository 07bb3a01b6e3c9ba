-- v0004_usage_tail: the usage rows not yet folded into balances, lots and the rollup.
--
-- Why: issue 3 asks for 20,000 durable charges a second from one process. A charge that also
-- rewrote its account's balance, its lot's remainder and its day in usage_daily wrote five pages
-- per commit (the usage row, its request id, the account, the lot, the rollup), and each page
-- written costs as much as the rest of the charge. The usage row is the journal entry and holds
-- everything those figures need (account, cost, the lot it drew from, the rollup's key), so a
-- process that charges one request after another may leave them behind the journal for a while
-- and write them for many charges at once.
--
-- The rule: account balances (customers' and @usage's), lot remainders, the accounts' latest
-- month usage and usage_daily include exactly the usage rows whose id is at most
-- usage_fold.usage_id. Later rows are the tail. Every transaction that reads or writes those
-- figures folds the tail in first (the library does it, in the same transaction), so a crash
-- with a tail loses nothing: the next transaction folds it. The tail holds plain charges only
-- (no expiry, recharge or second lot): a charge that does more is folded with everything before
-- it in its own transaction.

-- usage's CHECK on service_tier said `IN ('default', 'flex', 'batch', 'priority')`, which SQLite
-- checks by building a temporary b-tree of the four names for every row inserted: a tenth of an
-- import's time. The same rule as four comparisons costs nothing. The definition is rewritten in
-- place, as SQLite's documentation allows for a change to a CHECK constraint that the rows
-- already keep (lang_altertable.html, "Making Other Kinds Of Table Schema Changes"); the
-- CREATE TABLE below changes the schema version, so every connection reads the new definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'service_tier IN (''default'', ''flex'', ''batch'', ''priority'')',
                  'service_tier = ''default'' OR service_tier = ''flex'' OR service_tier = ''batch'' OR service_tier = ''priority''')
WHERE type = 'table' AND name = 'usage';
PRAGMA writable_schema = OFF;

CREATE TABLE usage_fold (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    usage_id INTEGER NOT NULL CHECK (usage_id >= 0)
) STRICT;

-- Everything recorded before this version is folded.
INSERT INTO usage_fold (id, usage_id) SELECT 1, coalesce(max(id), 0) FROM usage;
