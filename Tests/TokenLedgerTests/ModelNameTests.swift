import Testing
import TokenLedger
import TokenLedgerCore

/// gpt-4o-mini (from 2024-07-18): $0.15 input, $0.60 output per million, so 1,000 input and
/// 500 output tokens cost 150,000 + 300,000 nanodollars.
private let miniCost = Money(nanos: 1_000 * 150 + 500 * 600)

private func request(_ model: String, id: String) -> ChargeRequest {
    ChargeRequest(account: "acme", model: model, input: 1_000, output: 500, requestID: id, at: utc(2025, 3, 1))
}

@Suite("Model names: charges, aliases and reservations resolve the name as sent")
struct ModelNameTests {
    @Test("A prefixed name and a dated snapshot price at the family's entry to the nanodollar and keep the name as sent")
    func resolvedCharges() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            for (sent, id) in [("openai/gpt-4o-mini", "r1"), ("gpt-4o-mini-2024-07-18", "r2")] {
                let receipt = try fixture.ledger.charge(request(sent, id: id))
                #expect(receipt.cost == miniCost)
                #expect(receipt.model == "gpt-4o-mini")
                #expect(receipt.modelSent == sent)
                #expect(try fixture.raw.int("SELECT count(*) FROM usage WHERE request_id = ? AND model = 'gpt-4o-mini' AND model_sent = ?", [id, sent]) == 1)
            }
            let exact = try fixture.ledger.charge(request("gpt-4o-mini", id: "r3"))
            #expect(exact.modelSent == nil)
            #expect(try fixture.raw.int("SELECT count(*) FROM usage WHERE request_id = 'r3' AND model_sent IS NULL") == 1)
        }
    }

    @Test("A retry with the same id and name as sent returns the original; another name is an id conflict")
    func retry() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            let first = try fixture.ledger.charge(request("openai/gpt-4o-mini", id: "r1"))
            let again = try fixture.ledger.charge(request("openai/gpt-4o-mini", id: "r1"))
            #expect(again.duplicate && again.cost == first.cost && again.model == "gpt-4o-mini" && again.modelSent == "openai/gpt-4o-mini")
            #expect(outcome { _ = try fixture.ledger.charge(request("gpt-4o-mini", id: "r1")) } == "id_conflict")
            #expect(try fixture.raw.int("SELECT count(*) FROM usage") == 1)
        }
    }

    @Test("An alias is added, listed, charged through and removed; an alias to an unpriced model is refused")
    func aliases() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            #expect(outcome { _ = try fixture.ledger.charge(request("prod-mini", id: "r0")) } == "unknown_model")
            #expect(try fixture.ledger.setModelAlias("prod-mini", model: "gpt-4o-mini"))
            #expect(try fixture.ledger.setModelAlias("prod-mini", model: "gpt-4o-mini") == false)
            #expect(try fixture.ledger.modelAliases() == [ModelAlias(name: "prod-mini", model: "gpt-4o-mini")])
            let receipt = try fixture.ledger.charge(request("prod-mini", id: "r1"))
            #expect(receipt.cost == miniCost && receipt.model == "gpt-4o-mini" && receipt.modelSent == "prod-mini")
            #expect(outcome { try fixture.ledger.setModelAlias("other", model: "no-such-model") } == "unknown_model")
            #expect(outcome { try fixture.ledger.setModelAlias("", model: "gpt-4o-mini") } == "invalid_name")
            try fixture.ledger.removeModelAlias("prod-mini")
            #expect(try fixture.ledger.modelAliases().isEmpty)
            #expect(outcome { try fixture.ledger.removeModelAlias("prod-mini") } == "unknown_alias")
            #expect(outcome { _ = try fixture.ledger.charge(request("prod-mini", id: "r2")) } == "unknown_model")
        }
    }

    @Test("Two priced names for one name as sent are refused as ambiguous, naming both")
    func ambiguous() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            try fixture.ledger.setPrice(
                PriceEntry(model: "openai/gpt-4o-mini", effectiveFrom: utc(2025, 1, 1), rates: [RateKey(.default): TokenRates(input: 1, output: 1)]))
            do {
                _ = try fixture.ledger.charge(request("x/openai/gpt-4o-mini", id: "r1"))
                Issue.record("charged an ambiguous name")
            } catch let refusal as ChargeRefusal {
                #expect(refusal == .ambiguousModel("x/openai/gpt-4o-mini", candidates: ["openai/gpt-4o-mini", "gpt-4o-mini"]))
            }
        }
    }

    @Test("A reservation with a prefixed name holds at the entry's price and settles")
    func reservation() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            let reservation = try fixture.ledger.reserve(
                ReservationRequest(account: "acme", model: "azure/gpt-4o-mini", input: 1_000, maxOutput: 500, id: "h1", at: utc(2025, 3, 1)))
            #expect(reservation.hold == miniCost)
            let settled = try fixture.ledger.settle(SettleRequest(reservation: "h1", input: 1_000, output: 500, at: utc(2025, 3, 1, 0, 1)))
            #expect(settled.charge.cost == miniCost && settled.charge.model == "gpt-4o-mini" && settled.charge.modelSent == "azure/gpt-4o-mini")
        }
    }
}
