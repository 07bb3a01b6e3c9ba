-- v0015_account_balance: every account's balance as a view, the same on both stores.
--
-- Every account's balance, as the readers that run on either store read it (`verify`): on
-- SQLite the stored column; the PostgreSQL store keeps a system account's balance as shares,
-- one per customer account (so that no row is written by every charge), and its view of the
-- same name sums them.
CREATE VIEW account_balance AS SELECT id, name, kind, balance_nanos FROM account;
