import Foundation

/// The bodies of the routes a gateway calls on every request, read from a plain body
/// (``PlainJSON``) into the generated types, and their answers written from the generated
/// types (``PlainJSONWriter``): the same values the generated code reads and writes, without
/// `JSONDecoder` and `JSONEncoder`. Each reader answers nil for a body the generated decoder
/// would refuse or read otherwise (an unknown field, a missing one, a value of another type, an
/// unknown tier), so that the generated path reads it and names what is wrong.
enum PlainWire {
    /// The fields of a body, taken one by one; `unread` is set by any field that is not
    /// plain for the schema being read.
    private struct Fields {
        var unread = false

        mutating func string(_ value: PlainJSON.Value) -> String? {
            guard case .string(let text) = value else {
                unread = true
                return nil
            }
            return text
        }

        mutating func integer(_ value: PlainJSON.Value) -> Int64? {
            guard case .integer(let number) = value else {
                unread = true
                return nil
            }
            return number
        }

        mutating func boolean(_ value: PlainJSON.Value) -> Bool? {
            guard case .boolean(let flag) = value else {
                unread = true
                return nil
            }
            return flag
        }

        mutating func tier(_ value: PlainJSON.Value) -> Components.Schemas.ServiceTier? {
            guard case .string(let text) = value, let tier = Components.Schemas.ServiceTier(rawValue: text) else {
                unread = true
                return nil
            }
            return tier
        }
    }

    static func charge(_ object: PlainJSON.Object) -> Components.Schemas.NewCharge? {
        var fields = Fields()
        var account: String?
        var model: String?
        var input: Int64?
        var output: Int64?
        var charge = Components.Schemas.NewCharge(account: "", model: "", inputTokens: 0, outputTokens: 0)
        for (key, value) in object {
            switch key {
            case "account": account = fields.string(value)
            case "model": model = fields.string(value)
            case "tier": charge.tier = fields.tier(value)
            case "input_tokens": input = fields.integer(value)
            case "cached_tokens": charge.cachedTokens = fields.integer(value)
            case "cache_write_tokens": charge.cacheWriteTokens = fields.integer(value)
            case "cache_write_1h_tokens": charge.cacheWrite1hTokens = fields.integer(value)
            case "input_audio_tokens": charge.inputAudioTokens = fields.integer(value)
            case "input_image_tokens": charge.inputImageTokens = fields.integer(value)
            case "output_audio_tokens": charge.outputAudioTokens = fields.integer(value)
            case "output_image_tokens": charge.outputImageTokens = fields.integer(value)
            case "output_tokens": output = fields.integer(value)
            case "requests": charge.requests = fields.integer(value)
            case "project": charge.project = fields.string(value)
            case "api_key": charge.apiKey = fields.string(value)
            case "user": charge.user = fields.string(value)
            case "id": charge.id = fields.string(value)
            case "at": charge.at = fields.string(value)
            case "enforce": charge.enforce = fields.boolean(value)
            case "provider": charge.provider = fields.string(value)
            default: return nil
            }
            if fields.unread { return nil }
        }
        guard let account, let model, let input, let output else { return nil }
        (charge.account, charge.model, charge.inputTokens, charge.outputTokens) = (account, model, input, output)
        return charge
    }

    static func chargeBatch(_ objects: [PlainJSON.Object]) -> Components.Schemas.NewChargeBatch? {
        var charges: [Components.Schemas.NewCharge] = []
        charges.reserveCapacity(objects.count)
        for object in objects {
            guard let charge = charge(object) else { return nil }
            charges.append(charge)
        }
        return Components.Schemas.NewChargeBatch(charges: charges)
    }

    static func reservation(_ object: PlainJSON.Object) -> Components.Schemas.NewReservation? {
        var fields = Fields()
        var account: String?
        var model: String?
        var input: Int64?
        var maxOutput: Int64?
        var reservation = Components.Schemas.NewReservation(account: "", model: "", inputTokens: 0, maxOutputTokens: 0)
        for (key, value) in object {
            switch key {
            case "account": account = fields.string(value)
            case "model": model = fields.string(value)
            case "tier": reservation.tier = fields.tier(value)
            case "input_tokens": input = fields.integer(value)
            case "max_output_tokens": maxOutput = fields.integer(value)
            case "project": reservation.project = fields.string(value)
            case "api_key": reservation.apiKey = fields.string(value)
            case "user": reservation.user = fields.string(value)
            case "id": reservation.id = fields.string(value)
            case "at": reservation.at = fields.string(value)
            case "expires_in_seconds": reservation.expiresInSeconds = fields.integer(value)
            default: return nil
            }
            if fields.unread { return nil }
        }
        guard let account, let model, let input, let maxOutput else { return nil }
        (reservation.account, reservation.model, reservation.inputTokens, reservation.maxOutputTokens) = (account, model, input, maxOutput)
        return reservation
    }

    static func settlement(_ object: PlainJSON.Object) -> Components.Schemas.Settlement? {
        var fields = Fields()
        var input: Int64?
        var output: Int64?
        var settlement = Components.Schemas.Settlement(inputTokens: 0, outputTokens: 0)
        for (key, value) in object {
            switch key {
            case "input_tokens": input = fields.integer(value)
            case "cached_tokens": settlement.cachedTokens = fields.integer(value)
            case "cache_write_tokens": settlement.cacheWriteTokens = fields.integer(value)
            case "cache_write_1h_tokens": settlement.cacheWrite1hTokens = fields.integer(value)
            case "input_audio_tokens": settlement.inputAudioTokens = fields.integer(value)
            case "input_image_tokens": settlement.inputImageTokens = fields.integer(value)
            case "output_audio_tokens": settlement.outputAudioTokens = fields.integer(value)
            case "output_image_tokens": settlement.outputImageTokens = fields.integer(value)
            case "output_tokens": output = fields.integer(value)
            case "id": settlement.id = fields.string(value)
            case "at": settlement.at = fields.string(value)
            case "provider": settlement.provider = fields.string(value)
            default: return nil
            }
            if fields.unread { return nil }
        }
        guard let input, let output else { return nil }
        (settlement.inputTokens, settlement.outputTokens) = (input, output)
        return settlement
    }
}

extension PlainJSONWriter {
    // Keys in sorted order, as `JSONEncoder` with `.sortedKeys` writes them.

    mutating func write(_ receipt: Components.Schemas.ChargeReceipt) {
        beginObject()
        field("account", receipt.account)
        key("alerts")
        beginArray()
        for alert in receipt.alerts {
            separate()
            string(alert)
        }
        endArray()
        field("at", receipt.at)
        field("balance_usd", receipt.balanceUsd)
        field("cache_write_1h_tokens", receipt.cacheWrite1hTokens)
        field("cache_write_tokens", receipt.cacheWriteTokens)
        field("cached_tokens", receipt.cachedTokens)
        field("cost_usd", receipt.costUsd)
        field("id", receipt.id)
        field("input_audio_tokens", receipt.inputAudioTokens)
        field("input_image_tokens", receipt.inputImageTokens)
        field("input_tokens", receipt.inputTokens)
        field("model", receipt.model)
        field("model_sent", receipt.modelSent)
        field("output_audio_tokens", receipt.outputAudioTokens)
        field("output_image_tokens", receipt.outputImageTokens)
        field("output_tokens", receipt.outputTokens)
        field("overdraft_usd", receipt.overdraftUsd)
        field("price_effective_from", receipt.priceEffectiveFrom)
        field("provider", receipt.provider)
        if let recharge = receipt.recharge {
            key("recharge")
            beginObject()
            field("amount_usd", recharge.amountUsd)
            field("balance_usd", recharge.balanceUsd)
            field("failure", recharge.failure)
            field("status", recharge.status.rawValue)
            endObject()
        }
        field("tier", receipt.tier.rawValue)
        endObject()
    }

    mutating func write(_ batch: Components.Schemas.ChargeBatchReceipt) {
        beginObject()
        key("charges")
        beginArray()
        for charge in batch.charges {
            separate()
            write(charge)
        }
        endArray()
        field("cost_usd", batch.costUsd)
        endObject()
    }

    mutating func write(_ reservation: Components.Schemas.Reservation) {
        beginObject()
        field("account", reservation.account)
        field("available_usd", reservation.availableUsd)
        field("closed_by", reservation.closedBy)
        field("created_at", reservation.createdAt)
        field("expires_at", reservation.expiresAt)
        field("hold_usd", reservation.holdUsd)
        field("id", reservation.id)
        field("input_tokens", reservation.inputTokens)
        field("max_output_tokens", reservation.maxOutputTokens)
        field("model", reservation.model)
        field("status", reservation.status.rawValue)
        field("tier", reservation.tier.rawValue)
        endObject()
    }

    mutating func write(_ receipt: Components.Schemas.SettleReceipt) {
        beginObject()
        field("beyond_hold_usd", receipt.beyondHoldUsd)
        key("charge")
        write(receipt.charge)
        field("hold_usd", receipt.holdUsd)
        field("id", receipt.id)
        field("released_usd", receipt.releasedUsd)
        field("reservation", receipt.reservation)
        endObject()
    }
}
