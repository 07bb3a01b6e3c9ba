-- v0007_usage_by_account_time: an index of each account's charges by time.
--
-- Why: issue 16 makes the books auditable. `charges list --account`, `journal ACCOUNT` and a
-- historical `balance --at` read one account's charges in a time range; without this index
-- each of them scanned every usage row of the ledger (seconds at 10 million charges). With it
-- they read only the rows they show. It is the one index a charge adds (a third b-tree beside
-- the table and the request id index): a gateway or a time-ordered import appends to the end
-- of each account's range, so it costs a charge little. Filters on model, project, API key,
-- user and tier are applied to the rows of that range, not indexed.
CREATE INDEX usage_by_account_time ON usage(account_id, occurred_at_ms);
