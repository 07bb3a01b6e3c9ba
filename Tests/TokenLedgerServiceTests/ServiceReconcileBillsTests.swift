import Foundation
import NIOCore
import Testing
import TokenLedger
import TokenLedgerCore

extension ServiceBooksTests {
    @Test("reconcile: Anthropic's cost report and a FOCUS file as the body, told from their content; FOCUS taxes in not_usage")
    func reconcileOtherBills() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        let model = "claude-sonnet-4-5-20250929"
        try service.ledger.createAccount(NewAccount(name: "acme", at: Timestamp(milliseconds: 1_756_684_800_000)))  // 2025-09-01
        _ = try service.ledger.purchase(
            PurchaseRequest(account: "acme", amount: try Money(parsing: "20"), at: Timestamp(milliseconds: 1_756_684_800_000), id: "pay-acme"))
        try service.ledger.setPrice(
            PriceEntry(
                model: model, effectiveFrom: Timestamp(milliseconds: 1_759_104_000_000),  // 2025-09-29
                rates: [
                    RateKey(.default): TokenRates(
                        input: try Money(parsing: "3").nanos, cachedInput: try Money(parsing: "0.30").nanos, cacheWrite: try Money(parsing: "3.75").nanos,
                        output: try Money(parsing: "15").nanos)
                ]))
        // The charges the fixtures bill (see `withClaudeLedger`): $0.15435 in all.
        let day1 = Timestamp(milliseconds: 1_759_276_800_000)  // 2025-10-01
        let hour: Int64 = 3_600_000
        for (id, input, cached, written, output, at) in [
            ("req-1", 10_000, 2_000, 1_000, 500, day1.milliseconds + 10 * hour), ("req-2", 4_000, 0, 0, 1_000, day1.milliseconds + 15 * hour),
            ("req-3", 20_000, 0, 0, 2_000, day1.milliseconds + 48 * hour - 30_000), ("req-4", 1_000, 0, 0, 100, day1.milliseconds + 32 * hour),
        ] as [(String, Int64, Int64, Int64, Int64, Int64)] {
            _ = try service.ledger.charge(
                ChargeRequest(
                    account: "acme", model: model, input: input, cached: cached, cacheWrite: written, output: output, requestID: id,
                    at: Timestamp(milliseconds: at)))
        }
        for (name, ok) in [("anthropic-cost-report.json", true), ("focus-bedrock.csv", false)] {
            let path = Self.reconcileFixtures.appendingPathComponent(name).path
            let body = try Data(contentsOf: URL(fileURLWithPath: path))
            let answer = try await service.upload("/v1/reconcile?account=acme&file=\(name)", .bytes(ByteBuffer(data: body)), key: service.reader)
            let expected = try service.ledger.reconcile(ReconcileRequest(costFiles: [path], account: "acme"))
            #expect(answer.status == 200, "\(answer.body)")
            #expect(Self.same(answer.body, JSONDocument.reconciliation(expected, account: "acme")), "\(answer.body)")
            #expect(answer.json["ok"] as? Bool == ok)
            #expect((answer.json["not_usage"] as? [Any])?.count == (ok ? nil : 2), "\(answer.body)")
        }
        // provider= names the providers whose charges the bill covers, as --provider does.
        let path = Self.reconcileFixtures.appendingPathComponent("anthropic-cost-report.json").path
        let body = try Data(contentsOf: URL(fileURLWithPath: path))
        let other = try await service.upload(
            "/v1/reconcile?account=acme&provider=bedrock,azure&file=bill.json", .bytes(ByteBuffer(data: body)), key: service.reader)
        #expect(other.status == 200 && other.json["providers"] as? [String] == ["azure", "bedrock"], "\(other.body)")
        let bad = try await service.upload("/v1/reconcile?account=acme&provider=AWS&file=bill.json", .bytes(ByteBuffer(data: body)), key: service.reader)
        #expect(bad.status == 400 && bad.string("field") == "provider", "\(bad.body)")
        try Self.expectNoUploadsLeft(service)
    }
}
