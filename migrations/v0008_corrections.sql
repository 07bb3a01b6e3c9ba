-- v0008_corrections: corrections of the books as new entries (adjust, refund, reverse).
--
-- Why: issue 16. The books are corrected by new entries, never by editing old ones. Every
-- correction is one `adjustment` transfer between the customer account and `@adjustments`
-- (kinds and system accounts unchanged since v0001); this records what it corrects:
--   adjust   a manual credit or debit, with its reason;
--   refund   unspent credit taken back from a purchase's lot (its allocation names the lot);
--   reverse  a charge's cost given back to its account (one reversal per charge).
-- A credit correction gives credit back to lots that were spent (`lot_return`: a reversal's to
-- the lots that paid the charge), and puts the rest in a new lot created by its transfer, so
-- a lot's remaining credit is its original minus its allocations plus its returns. Both
-- tables are append-only, like the rest of the journal. v0007 is another change of the same
-- release (numbers are taken in order of landing).

CREATE TABLE correction (
    -- the `adjustment` transfer this correction is
    transfer_id INTEGER PRIMARY KEY REFERENCES transfer(id),
    kind TEXT NOT NULL CHECK (kind IN ('adjust', 'refund', 'reverse')),
    -- why (required for an adjustment, optional for a reversal, none for a refund)
    reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 256),
    -- a refund's purchase lot
    lot_id INTEGER REFERENCES lot(id),
    -- a reversal's charge: reversed at most once
    usage_id INTEGER UNIQUE REFERENCES usage(id),
    CHECK ((kind = 'refund') = (lot_id IS NOT NULL)),
    CHECK ((kind = 'reverse') = (usage_id IS NOT NULL)),
    CHECK (kind <> 'adjust' OR reason IS NOT NULL)
) STRICT;

CREATE TRIGGER correction_is_an_adjustment BEFORE INSERT ON correction
WHEN (SELECT kind FROM transfer WHERE id = NEW.transfer_id) IS NOT 'adjustment'
BEGIN SELECT RAISE(ABORT, 'a correction is an adjustment transfer'); END;
CREATE TRIGGER correction_is_append_only_update BEFORE UPDATE ON correction
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: corrections are never updated'); END;
CREATE TRIGGER correction_is_append_only_delete BEFORE DELETE ON correction
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: corrections are never deleted'); END;

-- Credit a correction gave back to an existing lot (raising its remaining credit).
CREATE TABLE lot_return (
    transfer_id INTEGER NOT NULL REFERENCES transfer(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (transfer_id, lot_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX lot_return_by_lot ON lot_return(lot_id);

CREATE TRIGGER lot_return_is_append_only_update BEFORE UPDATE ON lot_return
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: returns are never updated'); END;
CREATE TRIGGER lot_return_is_append_only_delete BEFORE DELETE ON lot_return
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: returns are never deleted'); END;
