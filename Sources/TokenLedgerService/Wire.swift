import Foundation
import TokenLedger
import TokenLedgerCore

/// How the service's JSON carries the ledger's values: money as exact decimal strings with nine
/// decimals (as the CLI's JSON), times as ISO 8601 in UTC, and the generated schemas built from
/// the library's receipts.
enum Wire {
    /// An amount read from the JSON field `field`; a malformed one is 400 naming the field.
    static func money(_ text: String, field: String) throws -> Money {
        do { return try Money(parsing: text) } catch { throw Problem.badInput("\(field): \(error)", field: field) }
    }

    /// An optional amount.
    static func optionalMoney(_ text: String?, field: String) throws -> Money? {
        guard let text else { return nil }
        return try money(text, field: field)
    }

    /// A time read from the field `field`, or now when none is given.
    static func time(_ text: String?, field: String) throws -> Timestamp {
        guard let text else { return Timestamp.now() }
        do { return try Timestamp(parsing: text) } catch { throw Problem.badInput("\(field): \(error)", field: field) }
    }

    /// An optional time.
    static func optionalTime(_ text: String?, field: String) throws -> Timestamp? {
        guard let text else { return nil }
        return try time(text, field: field)
    }

    /// The write's id: the `Idempotency-Key` header or the body's `id`; both given, they must be
    /// the same.
    static func id(header: String?, body: String?) throws -> String? {
        if let header, let body, header != body {
            throw Problem.badInput("the Idempotency-Key header and the body's id differ; give one, or the same in both", field: "id")
        }
        return header ?? body
    }

    static func tier(_ tier: Components.Schemas.ServiceTier?) -> ServiceTier {
        guard let tier else { return .default }
        return ServiceTier(rawValue: tier.rawValue) ?? .default
    }

    static func tier(_ tier: ServiceTier) -> Components.Schemas.ServiceTier { Components.Schemas.ServiceTier(rawValue: tier.rawValue) ?? ._default }

    static func account(_ account: Account) -> Components.Schemas.Account {
        Components.Schemas.Account(
            account: account.name, balanceUsd: account.balance.decimalString, maxPurchaseUsd: account.maximumPurchase.decimalString,
            overdraftUsd: account.overdraftAllowance.decimalString, createdAt: account.createdAt.iso8601)
    }

    static func credit(_ receipt: CreditReceipt) -> Components.Schemas.CreditReceipt {
        Components.Schemas.CreditReceipt(
            id: receipt.id, kind: Components.Schemas.CreditReceipt.KindPayload(rawValue: receipt.kind.rawValue) ?? .purchase, account: receipt.account,
            amountUsd: receipt.amount.decimalString, balanceUsd: receipt.balance.decimalString, repaidUsd: receipt.repaid.decimalString,
            at: receipt.at.iso8601, expiresAt: receipt.expiresAt.iso8601)
    }

    static func charge(_ receipt: ChargeReceipt) -> Components.Schemas.ChargeReceipt {
        Components.Schemas.ChargeReceipt(
            id: receipt.id, account: receipt.account, model: receipt.model, modelSent: receipt.modelSent, provider: receipt.provider,
            tier: tier(receipt.tier), inputTokens: receipt.usage.inputTokens,
            cachedTokens: receipt.usage.cachedTokens, cacheWriteTokens: receipt.usage.cacheWriteTokens,
            cacheWrite1hTokens: receipt.usage.breakdown.cacheWrite1hTokens, inputAudioTokens: receipt.usage.breakdown.inputAudioTokens,
            inputImageTokens: receipt.usage.breakdown.inputImageTokens, outputAudioTokens: receipt.usage.breakdown.outputAudioTokens,
            outputImageTokens: receipt.usage.breakdown.outputImageTokens, outputTokens: receipt.usage.outputTokens,
            costUsd: receipt.cost.decimalString, balanceUsd: receipt.balance.decimalString, overdraftUsd: receipt.overdraft.decimalString,
            at: receipt.at.iso8601, priceEffectiveFrom: receipt.priceEffectiveFrom.iso8601, recharge: receipt.recharge.map(recharge),
            alerts: receipt.alerts.map(\.code))
    }

    static func recharge(_ attempt: RechargeAttempt) -> Components.Schemas.RechargeAttempt {
        Components.Schemas.RechargeAttempt(
            amountUsd: attempt.amount.decimalString, status: attempt.status == .succeeded ? .succeeded : .failed, failure: attempt.failure,
            balanceUsd: attempt.balance.decimalString)
    }

    static func reservation(_ reservation: Reservation) -> Components.Schemas.Reservation {
        Components.Schemas.Reservation(
            id: reservation.id, account: reservation.account, model: reservation.model, tier: tier(reservation.tier),
            inputTokens: reservation.inputTokens, maxOutputTokens: reservation.maxOutputTokens, holdUsd: reservation.hold.decimalString,
            status: Components.Schemas.Reservation.StatusPayload(rawValue: reservation.status.rawValue) ?? .open, createdAt: reservation.createdAt.iso8601,
            expiresAt: reservation.expiresAt.iso8601, availableUsd: reservation.available.decimalString, closedBy: reservation.closeID)
    }

    static func settle(_ receipt: SettleReceipt) -> Components.Schemas.SettleReceipt {
        Components.Schemas.SettleReceipt(
            id: receipt.id, reservation: receipt.reservation.id, holdUsd: receipt.reservation.hold.decimalString,
            releasedUsd: receipt.released.decimalString, beyondHoldUsd: receipt.beyondHold.decimalString, charge: charge(receipt.charge))
    }

    static func balance(_ report: BalanceReport) -> Components.Schemas.Balance {
        Components.Schemas.Balance(
            account: report.account, at: report.at.iso8601, balanceUsd: report.balance.decimalString, availableUsd: report.available.decimalString,
            reservedUsd: report.reserved.decimalString, overdraftAllowanceUsd: report.overdraftAllowance.decimalString,
            lots: report.lots.map { lot in
                Components.Schemas.Lot(
                    kind: Components.Schemas.Lot.KindPayload(rawValue: lot.kind.rawValue) ?? .purchase, remainingUsd: lot.remaining.decimalString,
                    originalUsd: lot.original.decimalString, createdAt: lot.createdAt.iso8601, expiresAt: lot.expiresAt.iso8601)
            },
            tier: report.tier.name, monthlyUsageLimitUsd: report.tier.monthlyUsageLimit.decimalString, monthToDateUsd: report.monthToDate.decimalString,
            expiredNowUsd: report.expiredNow.reduce(Money.zero) { $0 + $1.amount }.decimalString)
    }

    static func price(_ price: ListedPrice) -> Components.Schemas.PriceEntry {
        let entry = price.entry
        func tiers(_ band: PriceBand) -> [String: Components.Schemas.TokenRates] {
            var tiers: [String: Components.Schemas.TokenRates] = [:]
            for tier in ServiceTier.allCases {
                guard let rates = entry.resolvedRates(tier: tier, band: band) else { continue }
                tiers[tier.rawValue] = Components.Schemas.TokenRates(
                    inputUsdPerMillion: Money(nanos: rates.input).decimalString, cachedInputUsdPerMillion: Money(nanos: rates.cachedInput).decimalString,
                    cacheWriteUsdPerMillion: Money(nanos: rates.cacheWrite).decimalString,
                    cacheWrite1hUsdPerMillion: rates.breakdown.cacheWrite1h.map { Money(nanos: $0).decimalString },
                    inputAudioUsdPerMillion: rates.breakdown.inputAudio.map { Money(nanos: $0).decimalString },
                    inputImageUsdPerMillion: rates.breakdown.inputImage.map { Money(nanos: $0).decimalString },
                    outputAudioUsdPerMillion: rates.breakdown.outputAudio.map { Money(nanos: $0).decimalString },
                    outputImageUsdPerMillion: rates.breakdown.outputImage.map { Money(nanos: $0).decimalString },
                    outputUsdPerMillion: Money(nanos: rates.output).decimalString)
            }
            return tiers
        }
        return Components.Schemas.PriceEntry(
            model: entry.model, effectiveFrom: entry.effectiveFrom.iso8601, source: price.source, tiers: .init(additionalProperties: tiers(.standard)),
            maxInputTokens: entry.maxInputTokens, maxOutputTokens: entry.maxOutputTokens, longContextThresholdTokens: entry.longContextThresholdTokens,
            longContextTiers: .init(additionalProperties: entry.longContextThresholdTokens == nil ? [:] : tiers(.longContext)))
    }
}

extension Wire {
    /// The calendar month `YYYY-MM` of the parameter `field`, or this month when none is given.
    static func month(_ text: String?, field: String) throws -> Timestamp {
        guard let text else { return Timestamp.now() }
        return try Timestamp(parsingMonth: text, field: field)
    }

    /// `error` with the field named as the service's parameter rather than the CLI's option the
    /// library names (`--time-scale` is `time_scale`): the same message, the request's name.
    static func parameter(_ error: any Error) -> any Error {
        guard var input = error as? InputError, let field = input.field, field.hasPrefix("--") else { return error }
        input.field = field.dropFirst(2).replacingOccurrences(of: "-", with: "_")
        return input
    }

    /// The price entry a `POST /v1/prices` body describes; a malformed price is 400 naming it.
    static func price(_ body: Components.Schemas.NewPrice) throws -> ManualPrice {
        func rate(_ text: String?, _ field: String) throws -> Money? { try optionalMoney(text, field: field) }
        var price = ManualPrice(
            model: body.model, input: try money(body.inputUsdPerMillion, field: "input_usd_per_million"),
            output: try money(body.outputUsdPerMillion, field: "output_usd_per_million"),
            effectiveFrom: try time(body.effectiveFrom, field: "effective_from"))
        price.cached = try rate(body.cachedInputUsdPerMillion, "cached_input_usd_per_million")
        price.cacheWrite = try rate(body.cacheWriteUsdPerMillion, "cache_write_usd_per_million")
        price.breakdown = BreakdownRates(
            cacheWrite1h: try rate(body.cacheWrite1hUsdPerMillion, "cache_write_1h_usd_per_million")?.nanos,
            inputAudio: try rate(body.inputAudioUsdPerMillion, "input_audio_usd_per_million")?.nanos,
            inputImage: try rate(body.inputImageUsdPerMillion, "input_image_usd_per_million")?.nanos,
            outputAudio: try rate(body.outputAudioUsdPerMillion, "output_audio_usd_per_million")?.nanos,
            outputImage: try rate(body.outputImageUsdPerMillion, "output_image_usd_per_million")?.nanos)
        price.flexInput = try rate(body.flexInputUsdPerMillion, "flex_input_usd_per_million")
        price.flexOutput = try rate(body.flexOutputUsdPerMillion, "flex_output_usd_per_million")
        price.batchInput = try rate(body.batchInputUsdPerMillion, "batch_input_usd_per_million")
        price.batchOutput = try rate(body.batchOutputUsdPerMillion, "batch_output_usd_per_million")
        price.priorityInput = try rate(body.priorityInputUsdPerMillion, "priority_input_usd_per_million")
        price.priorityOutput = try rate(body.priorityOutputUsdPerMillion, "priority_output_usd_per_million")
        (price.maxInputTokens, price.maxOutputTokens) = (body.maxInputTokens, body.maxOutputTokens)
        price.provider = body.provider
        if price.hasHalfPriority {
            let missing = price.priorityInput == nil ? "priority_input_usd_per_million" : "priority_output_usd_per_million"
            throw Problem.badInput("\(missing): priority_input_usd_per_million and priority_output_usd_per_million go together", field: missing)
        }
        return price
    }
}
