-- v0014_open_holds_index: the open holds of an account summed from the index alone.
--
-- Why: issue 13 (the service's reservations). Every reservation, and every enforced charge,
-- sums the account's open holds (what it has available: balance − holds + overdraft). The index
-- of v0003 found the open reservations by account and expiry, but the sum then read each one's
-- row for its hold: a gateway with a hundred requests in flight read a hundred rows per
-- reservation. With the hold in the index the sum reads the index only (the status too, though
-- the index holds open ones only: SQLite reads a column the query names from the index or the row).
DROP INDEX reservation_open_by_account;
CREATE INDEX reservation_open_by_account ON reservation(account_id, expires_at_ms, hold_nanos, status) WHERE status = 'open';
