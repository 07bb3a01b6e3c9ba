import Foundation
import Synchronization
import Testing
import TokenLedger
import TokenLedgerCore

@Suite("Reservations: hold, settle, void, expire")
struct ReservationTests {
    static let start = utc(2026, 1, 2)

    func reserve(_ ledger: any LedgerBooks, _ id: String?, input: Int64 = 100, maxOutput: Int64 = 100, at: Timestamp = start, expiresIn: Int64 = 600) throws
        -> Reservation
    {
        try ledger.reserve(
            ReservationRequest(account: "acme", model: centModel, input: input, maxOutput: maxOutput, id: id, at: at, expiresInSeconds: expiresIn))
    }

    @Test("a hold lowers the available balance; settling charges the actual usage, even beyond the hold, and releases the rest", arguments: BooksStore.allCases)
    func holdAndSettle(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            let first = try reserve(ledger, "r1")
            #expect(first.hold == .usd(2) && first.available == .usd(8) && first.status == .open)
            #expect(try ledger.balance(of: "acme", at: Self.start).available == .usd(8))
            // Enforced charges count open holds too.
            #expect(
                outcome { _ = try ledger.charge(ChargeRequest(account: "acme", model: centModel, input: 900, output: 0, at: Self.start, enforce: true)) }
                    == "insufficient_balance")
            #expect(outcome { _ = try reserve(ledger, "r2", input: 400, maxOutput: 401) } == "insufficient_balance")
            let settled = try ledger.settle(SettleRequest(reservation: "r1", input: 100, output: 30, at: Self.start.plus(minutes: 1)))
            #expect(settled.charge.cost == .usd(1, 30) && settled.released == Money(cents: 70) && settled.beyondHold == .zero)
            #expect(settled.charge.id == "r1")
            #expect(try ledger.balance(of: "acme", at: Self.start.plus(minutes: 2)).available == Money(cents: 870))
            _ = try reserve(ledger, "r3")
            let beyond = try ledger.settle(SettleRequest(reservation: "r3", input: 100, output: 300, at: Self.start.plus(minutes: 3)))
            #expect(beyond.beyondHold == .usd(2) && beyond.charge.cost == .usd(4))
            #expect(try ledger.reservation(id: "r3")?.status == .settled)
            #expect(try ledger.verify().ok)
        }
    }

    @Test(
        "settling again differently, settling a voided or expired reservation, voiding a settled one, unknown ids: refused, nothing written",
        arguments: BooksStore.allCases)
    func closing(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            _ = try reserve(ledger, "s")
            _ = try ledger.settle(SettleRequest(reservation: "s", input: 1, output: 1, at: Self.start))
            let settle = { (id: String, at: Timestamp) in outcome { _ = try ledger.settle(SettleRequest(reservation: id, input: 1, output: 1, at: at)) } }
            #expect(outcome { _ = try ledger.settle(SettleRequest(reservation: "s", input: 1, output: 2, at: Self.start)) } == "reservation_settled")
            _ = try reserve(ledger, "v")
            #expect(outcome { _ = try ledger.void(reservation: "v", at: Self.start) } == "ok")
            #expect(settle("v", Self.start) == "reservation_voided")
            #expect(outcome { _ = try ledger.void(VoidRequest(reservation: "v", id: "another", at: Self.start)) } == "reservation_voided")
            #expect(outcome { _ = try ledger.void(reservation: "s", at: Self.start) } == "reservation_settled")
            _ = try reserve(ledger, "e", expiresIn: 60)
            #expect(settle("e", Self.start.plus(minutes: 1)) == "reservation_expired")
            #expect(outcome { _ = try ledger.void(VoidRequest(reservation: "e", at: Self.start.plus(minutes: 2))) } == "reservation_expired")
            #expect(settle("nope", Self.start) == "unknown_reservation")
            #expect(outcome { _ = try ledger.settle(SettleRequest(reservation: "e", input: 1, cached: 2, output: 1, at: Self.start)) } == "invalid_usage")
            #expect(try fixture.probe.integer("SELECT count(*) FROM usage") == 1)
        }
    }

    @Test(
        "a retried settle or void (same id and content, any time) returns the original result; another id or content is refused", arguments: BooksStore.allCases
    )
    func retries(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            _ = try reserve(ledger, "r1")
            let first = try ledger.settle(SettleRequest(reservation: "r1", id: "settle-1", input: 100, output: 30, at: Self.start.plus(minutes: 1)))
            #expect(!first.duplicate && first.id == "settle-1" && first.reservation.closeID == "settle-1")
            // The response was lost: the same settle again, a minute later, is the same receipt.
            let retried = try ledger.settle(SettleRequest(reservation: "r1", id: "settle-1", input: 100, output: 30, at: Self.start.plus(minutes: 2)))
            #expect(retried.duplicate && retried.id == "settle-1" && retried.charge.duplicate)
            #expect(retried.charge.cost == first.charge.cost && retried.charge.balance == first.charge.balance && retried.charge.at == first.charge.at)
            #expect((retried.released, retried.beyondHold, retried.reservation.hold) == (first.released, first.beyondHold, first.reservation.hold))
            let settle = { (reservation: String, id: String?, output: Int64) in
                outcome { _ = try ledger.settle(SettleRequest(reservation: reservation, id: id, input: 100, output: output, at: Self.start)) }
            }
            #expect(settle("r1", "settle-1", 31) == "id_conflict")
            #expect(settle("r1", "settle-2", 30) == "reservation_settled")
            #expect(settle("r1", nil, 30) == "reservation_settled")
            #expect(outcome { _ = try ledger.void(VoidRequest(reservation: "r1", id: "settle-1", at: Self.start)) } == "id_conflict")
            #expect(settle("r1", "", 30) == "invalid_id")
            // An id closes one reservation only.
            _ = try reserve(ledger, "r2")
            #expect(settle("r2", "settle-1", 30) == "id_conflict")
            // Without an id, the reservation's id is the settle's: a plain retry is recognised.
            #expect(settle("r2", nil, 30) == "ok")
            #expect(settle("r2", nil, 30) == "ok")
            #expect(settle("r2", "r2", 31) == "id_conflict")
            // Voids the same way.
            _ = try reserve(ledger, "r3")
            let voided = try ledger.void(VoidRequest(reservation: "r3", id: "void-3", at: Self.start))
            #expect(!voided.duplicate && voided.status == .voided && voided.closeID == "void-3")
            let again = try ledger.void(VoidRequest(reservation: "r3", id: "void-3", at: Self.start.plus(minutes: 5)))
            #expect(again.duplicate && again.status == .voided && again.hold == voided.hold && again.available == voided.available)
            #expect(settle("r3", "void-3", 30) == "id_conflict")
            #expect(outcome { _ = try ledger.void(reservation: "r3", at: Self.start) } == "reservation_voided")
            _ = try reserve(ledger, "r4")
            #expect(outcome { _ = try ledger.void(reservation: "r4", at: Self.start) } == "ok")
            #expect(outcome { _ = try ledger.void(reservation: "r4", at: Self.start) } == "ok")
            #expect(try fixture.probe.integer("SELECT count(*) FROM usage") == 2)
            #expect(try ledger.balance(of: "acme", at: Self.start.plus(minutes: 10)).balance == Money(cents: 1_000 - 130 - 130))
            #expect(try ledger.verify().ok)
        }
    }

    @Test("an expired reservation releases its hold at the next operation that sees it", arguments: BooksStore.allCases)
    func expiry(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(5))
            _ = try reserve(ledger, "a", input: 200, maxOutput: 200, expiresIn: 30)
            #expect(outcome { _ = try reserve(ledger, "b", input: 100, maxOutput: 100, at: Self.start.plus(milliseconds: 29_999)) } == "insufficient_balance")
            #expect(try reserve(ledger, "b", input: 100, maxOutput: 100, at: Self.start.plus(milliseconds: 30_000)).available == .usd(3))
            #expect(try ledger.reservation(id: "a")?.status == .expired)
        }
    }

    @Test("reservations are refused in check order; a retried id returns the reservation", arguments: BooksStore.allCases)
    func refusals(store: BooksStore) throws {
        try withCentBooks(on: store, defaultPrices: true) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            let reserve = { (request: ReservationRequest) in outcome { _ = try ledger.reserve(request) } }
            let base = ReservationRequest(account: "acme", model: "gpt-4", input: 1_000, maxOutput: 500, id: "x", at: Self.start)
            var request = base
            request.inputTokens = -1
            #expect(reserve(request) == "invalid_usage")
            request = base
            request.project = ""
            #expect(reserve(request) == "invalid_attribution")
            request = base
            request.expiresInSeconds = 0
            #expect(reserve(request) == "invalid_expiry")
            request = base
            request.account = "nobody"
            #expect(reserve(request) == "unknown_account")
            request = base
            request.model = "gpt-9"
            #expect(reserve(request) == "unknown_model")
            request = base
            request.inputTokens = 9_000
            #expect(reserve(request) == "context_window_exceeded")
            request = base
            request.tier = .priority
            #expect(reserve(request) == "no_price_for_tier")
            #expect(reserve(base) == "ok")
            #expect(try ledger.reserve(base).duplicate)
            request = base
            request.maxOutputTokens = 501
            #expect(reserve(request) == "id_conflict")
            _ = try ledger.charge(ChargeRequest(account: "acme", model: "gpt-4", input: 1, output: 1, requestID: "taken", at: Self.start))
            request = base
            request.id = "taken"
            #expect(reserve(request) == "id_conflict")
        }
    }

    @Test("a hard limit refuses the next reservation, counting open holds", arguments: BooksStore.allCases)
    func hardLimit(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(100))
            try ledger.setLimits(account: "acme", scope: .account, soft: nil, hard: .usd(5), clear: false)
            _ = try reserve(ledger, "a", input: 100, maxOutput: 100)
            _ = try reserve(ledger, "b", input: 100, maxOutput: 100)
            #expect(outcome { _ = try reserve(ledger, "c", input: 100, maxOutput: 2) } == "hard_limit")
            _ = try ledger.settle(SettleRequest(reservation: "a", input: 100, output: 100, at: Self.start))
            _ = try ledger.void(reservation: "b", at: Self.start)
            _ = try reserve(ledger, "d", input: 100, maxOutput: 100)
            _ = try ledger.settle(SettleRequest(reservation: "d", input: 100, output: 100, at: Self.start))
            #expect(outcome { _ = try reserve(ledger, "e", input: 1, maxOutput: 0) } == "ok")
            _ = try ledger.void(reservation: "e", at: Self.start)
            _ = try chargeCents(ledger, "acme", 100, at: Self.start)
            #expect(outcome { _ = try reserve(ledger, "f", input: 0, maxOutput: 0) } == "hard_limit")
        }
    }

    @Test("a project's hard limit counts that project's spend and holds only; the account's counts every hold", arguments: BooksStore.allCases)
    func projectHardLimit(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(100))
            try ledger.setLimits(account: "acme", scope: .project("search"), soft: nil, hard: .usd(3), clear: false)
            let reserve = { (id: String, project: String?, cents: Int64) in
                outcome {
                    _ = try ledger.reserve(
                        ReservationRequest(
                            account: "acme", model: centModel, input: cents / 2, maxOutput: cents - cents / 2, project: project, id: id, at: Self.start))
                }
            }
            #expect(reserve("other-hold", "other", 500) == "ok")
            #expect(reserve("no-project-hold", nil, 100) == "ok")
            // search has spent and held nothing: $6 held elsewhere is not its spending.
            #expect(reserve("search-1", "search", 200) == "ok")
            #expect(reserve("search-2", "search", 101) == "hard_limit")
            #expect(reserve("search-2", "search", 100) == "ok")
            #expect(
                outcome {
                    _ = try ledger.charge(
                        ChargeRequest(account: "acme", model: centModel, input: 1, output: 0, project: "search", at: Self.start, enforce: true))
                } == "ok")
            // The account's own limit counts every project's holds (and the spend).
            try ledger.setLimits(account: "acme", scope: .account, soft: nil, hard: .usd(10), clear: false)
            #expect(reserve("chat-1", "chat", 99) == "ok")
            #expect(reserve("chat-2", "chat", 1) == "hard_limit")
            _ = try ledger.void(reservation: "other-hold", at: Self.start)
            #expect(reserve("chat-2", "chat", 1) == "ok")
            #expect(try ledger.verify().ok)
        }
    }

    @Test("threads reserving at once through two handles never hold more than the balance")
    func concurrentThreads() throws {
        try withCentLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            let handles = [fixture.ledger, try Ledger.open(at: fixture.path)]
            let admitted = Locked(0)
            DispatchQueue.concurrentPerform(iterations: 60) { index in
                let ledger = handles[index % 2]
                if (try? ledger.reserve(ReservationRequest(account: "acme", model: centModel, input: 25, maxOutput: 25, id: "t\(index)", at: Self.start)))
                    != nil
                {
                    admitted.withLock { $0 += 1 }
                    _ = try? ledger.settle(SettleRequest(reservation: "t\(index)", input: 25, output: 25, at: Self.start))
                }
            }
            #expect(admitted.withLock { $0 } == 20)
            #expect(try fixture.ledger.account(named: "acme")?.balance == .zero)
            #expect(try fixture.ledger.verify().ok)
        }
    }
}
