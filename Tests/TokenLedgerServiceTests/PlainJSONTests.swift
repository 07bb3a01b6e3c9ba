import Foundation
import Testing

@testable import TokenLedgerService

/// The plain routes (``PlainRoutes``) read and write JSON without `JSONDecoder` and
/// `JSONEncoder`. These tests hold them to the generated code: every body the plain reader takes
/// decodes to the same value with `JSONDecoder`, every body outside the plain shape is left to
/// the generated code, and every answer is byte for byte what `JSONEncoder` writes with the
/// service's configuration.
@Suite("Plain JSON on the hot routes")
struct PlainJSONTests {
    static func decoded<T: Decodable>(_ type: T.Type, _ body: String) -> T? { try? JSONDecoder().decode(type, from: Data(body.utf8)) }

    static func plainCharge(_ body: String) -> Components.Schemas.NewCharge? {
        Array(body.utf8).withUnsafeBytes { PlainJSON.object($0).flatMap(PlainWire.charge) }
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    @Test("a plain body reads as JSONDecoder reads it, whatever the spacing and order")
    func plainBodies() throws {
        let bodies = [
            #"{"account":"acme","model":"gpt-4o","input_tokens":1200,"output_tokens":300}"#,
            #" { "output_tokens" : 0 ,"input_tokens":0, "model":"openai/gpt-4o-mini","account":"a b"}"#,
            "{\n\t\"account\": \"acme\",\r\n \"model\": \"gpt-4o\", \"input_tokens\": 9223372036854775807, \"output_tokens\": 1}",
            #"{"account":"acme","model":"gpt-realtime","tier":"flex","input_tokens":10,"cached_tokens":2,"cache_write_tokens":3,"cache_write_1h_tokens":1,"#
                + #""input_audio_tokens":4,"input_image_tokens":1,"output_audio_tokens":5,"output_image_tokens":0,"output_tokens":9,"requests":2,"#
                + #""project":"p","api_key":"k","user":"ü ✓ 😀","id":"req-1","at":"2026-01-05T10:00:00Z","enforce":true,"provider":"openai"}"#,
            #"{"account":"","model":"","input_tokens":-5,"output_tokens":-9223372036854775808,"enforce":false,"tier":"default"}"#,
        ]
        for body in bodies {
            let plain = try #require(Self.plainCharge(body), "\(body)")
            #expect(plain == Self.decoded(Components.Schemas.NewCharge.self, body), "\(body)")
        }
    }

    @Test("a body outside the plain shape, or not the schema, is left to the generated code")
    func otherBodies() {
        let bodies = [
            #"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1,"color":"red"}"#,  // unknown field
            #"{"account":"acme","model":"gpt-4o","input_tokens":1}"#,  // missing field
            #"{"account":"\u0061cme","model":"gpt-4o","input_tokens":1,"output_tokens":1}"#,  // an escape
            #"{"account":"acme","model":"gpt-4o","input_tokens":1.0,"output_tokens":1}"#,  // a fraction
            #"{"account":"acme","model":"gpt-4o","input_tokens":1e3,"output_tokens":1}"#,  // an exponent
            #"{"account":"acme","model":"gpt-4o","input_tokens":01,"output_tokens":1}"#,  // a leading zero
            #"{"account":"acme","model":"gpt-4o","input_tokens":9223372036854775808,"output_tokens":1}"#,  // past Int64
            #"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1,"project":null}"#,  // a null
            #"{"account":"acme","model":"gpt-4o","input_tokens":"1","output_tokens":1}"#,  // another type
            #"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1,"tier":"turbo"}"#,  // an unknown tier
            #"{"account":"acme","account":"beta","model":"gpt-4o","input_tokens":1,"output_tokens":1}"#,  // a repeated key
            #"{"account":["acme"],"model":"gpt-4o","input_tokens":1,"output_tokens":1}"#,  // a nested value
            #"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1}x"#,  // trailing bytes
            #"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1,}"#,  // a trailing comma
            #"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1"#,  // cut short
            "{\"account\":\"a\u{1}\",\"model\":\"gpt-4o\",\"input_tokens\":1,\"output_tokens\":1}",  // a control character
            "[]", "", "null",
        ]
        for body in bodies { #expect(Self.plainCharge(body) == nil, "\(body)") }
        // Bytes that are not UTF-8.
        var bytes = Array(#"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1}"#.utf8)
        bytes[13] = 0xFF
        #expect(bytes.withUnsafeBytes { PlainJSON.object($0) } == nil)
    }

    @Test("reservations, settlements and batches read as JSONDecoder reads them")
    func otherSchemas() throws {
        let reservation =
            #"{"account":"acme","model":"gpt-4o","tier":"batch","input_tokens":800,"max_output_tokens":400,"project":"p","#
            + #""api_key":"k","user":"u","id":"r-1","at":"2026-01-05","expires_in_seconds":60}"#
        let plainReservation = try #require(Array(reservation.utf8).withUnsafeBytes { PlainJSON.object($0).flatMap(PlainWire.reservation) })
        #expect(plainReservation == Self.decoded(Components.Schemas.NewReservation.self, reservation))
        let settlement =
            #"{"input_tokens":800,"cached_tokens":100,"cache_write_tokens":0,"cache_write_1h_tokens":0,"input_audio_tokens":0,"#
            + #""input_image_tokens":0,"output_audio_tokens":0,"output_image_tokens":0,"output_tokens":120,"id":"s-1","at":"2026-01-05","provider":"openai"}"#
        let plainSettlement = try #require(Array(settlement.utf8).withUnsafeBytes { PlainJSON.object($0).flatMap(PlainWire.settlement) })
        #expect(plainSettlement == Self.decoded(Components.Schemas.Settlement.self, settlement))
        #expect(
            Array(#"{"input_tokens":1,"output_tokens":1,"max_output_tokens":1}"#.utf8).withUnsafeBytes { PlainJSON.object($0).flatMap(PlainWire.settlement) }
                == nil)
        let batch =
            #"{ "charges" : [ {"account":"a","model":"gpt-4o","input_tokens":1,"output_tokens":2}, {"account":"b","model":"gpt-4o","input_tokens":3,"output_tokens":4,"id":"x"} ] }"#
        let plainBatch = try #require(Array(batch.utf8).withUnsafeBytes { PlainJSON.objects(inField: "charges", of: $0).flatMap(PlainWire.chargeBatch) })
        #expect(plainBatch == Self.decoded(Components.Schemas.NewChargeBatch.self, batch))
        #expect(plainBatch.charges.count == 2)
        for other in [#"{"charges":[],"more":1}"#, #"{"items":[]}"#, #"{"charges":[{"account":"a"}]}"#, #"{"charges":[1]}"#] {
            #expect(Array(other.utf8).withUnsafeBytes { PlainJSON.objects(inField: "charges", of: $0).flatMap(PlainWire.chargeBatch) } == nil, "\(other)")
        }
    }

    /// Strings that need every kind of escape, and none.
    static let texts = ["acme", "", "a\"b\\c", "openai/gpt-4o", "tab\there\nnew\rline", "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}", "ü ✓ 😀 \u{2028}", "</script>"]

    static func receipt(_ number: Int) -> Components.Schemas.ChargeReceipt {
        let text = texts[number % texts.count]
        return Components.Schemas.ChargeReceipt(
            id: "req-\(number)", account: text, model: "gpt-4o", modelSent: number % 2 == 0 ? nil : text, provider: number % 3 == 0 ? nil : "openai",
            tier: [._default, .flex, .batch, .priority][number % 4], inputTokens: Int64(number) * 1_000, cachedTokens: 0,
            cacheWriteTokens: Int64.max, cacheWrite1hTokens: number % 5 == 0 ? nil : 7, inputAudioTokens: 0, inputImageTokens: 12,
            outputAudioTokens: -1, outputImageTokens: 3, outputTokens: 9, costUsd: "0.001234567", balanceUsd: "-12.5", overdraftUsd: "0",
            at: "2026-01-05T10:00:00.000Z", priceEffectiveFrom: "2024-01-01T00:00:00.000Z",
            recharge: number % 3 == 1
                ? Components.Schemas.RechargeAttempt(
                    amountUsd: "20", status: number % 2 == 0 ? .succeeded : .failed, failure: number % 2 == 0 ? nil : text, balanceUsd: "25")
                : nil,
            alerts: Array(["soft_limit", "over_hard_limit:project=\(text)"].prefix(number % 3)))
    }

    @Test("answers are byte for byte what JSONEncoder writes", arguments: 0..<24)
    func answers(number: Int) throws {
        let receipt = Self.receipt(number)
        var writer = PlainJSONWriter()
        writer.write(receipt)
        #expect(writer.bytes == Array(try Self.encoder.encode(receipt)), "\(String(decoding: writer.bytes, as: UTF8.self))")
        let text = Self.texts[number % Self.texts.count]
        let reservation = Components.Schemas.Reservation(
            id: text, account: "acme", model: "gpt-4o", tier: .priority, inputTokens: 800, maxOutputTokens: 400, holdUsd: "0.006",
            status: [.open, .settled, .voided, .expired][number % 4], createdAt: "2026-01-05T10:00:00.000Z", expiresAt: "2026-01-05T10:10:00.000Z",
            availableUsd: "9.994", closedBy: number % 2 == 0 ? nil : text)
        writer = PlainJSONWriter()
        writer.write(reservation)
        #expect(writer.bytes == Array(try Self.encoder.encode(reservation)))
        let settle = Components.Schemas.SettleReceipt(
            id: text, reservation: "r-1", holdUsd: "0.006", releasedUsd: "0.001", beyondHoldUsd: "0", charge: receipt)
        writer = PlainJSONWriter()
        writer.write(settle)
        #expect(writer.bytes == Array(try Self.encoder.encode(settle)))
        let batch = Components.Schemas.ChargeBatchReceipt(charges: (0..<(number % 3)).map { Self.receipt(number + $0) }, costUsd: "1.5")
        writer = PlainJSONWriter()
        writer.write(batch)
        #expect(writer.bytes == Array(try Self.encoder.encode(batch)))
    }
}
