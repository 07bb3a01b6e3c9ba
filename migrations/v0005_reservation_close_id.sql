-- v0005_reservation_close_id: the id of the settle or void that closed a reservation.
--
-- Why: issue 17 (item 7). A client that settled, lost the response and retried was refused
-- `reservation_settled` and could not tell its own settle from someone else's. Settle and void
-- now take an id like every write (an HTTP service's Idempotency-Key): the same id and content
-- again return the original result; another id, or other content, on a closed reservation is
-- refused. The id defaults to the reservation's own id, so the reservations settled or voided
-- before this version were closed under that id.
--
-- An id closes one reservation at most (the unique index), whichever way it closed it.
ALTER TABLE reservation ADD COLUMN close_reference TEXT CHECK (close_reference IS NULL OR length(close_reference) BETWEEN 1 AND 256);

UPDATE reservation SET close_reference = reference WHERE status IN ('settled', 'voided');

CREATE UNIQUE INDEX reservation_by_close_reference ON reservation(close_reference) WHERE close_reference IS NOT NULL;
