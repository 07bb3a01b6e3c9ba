import TokenLedgerCore

/// Pages of the Costs API (`GET /v1/organization/costs`):
/// `{"object": "page", "data": [{"object": "bucket", "start_time", "end_time", "results": [...]}], …}`,
/// each result `{"amount": {"value", "currency"}, "line_item", "project_id", …}`. Unknown fields
/// are ignored; a bucket with no results is a day without cost.
enum CostsAPIPages {
    static func read(_ documents: JSONDocumentReader, into costs: inout ProviderCosts) throws {
        let file = documents.file
        while let (bytes, line) = try documents.next() {
            let value: JSONValue
            switch JSONReader.parse(bytes[...], file: file, line: line) {
            case .failure(let bad): throw InputError(file: file, bad)
            case .success(let parsed): value = parsed
            }
            guard let page = JSONObjectFields(value, path: "", lineOffset: line - 1, line: line) else {
                throw InputError(file: file, line: line, reason: "expected a page object, found \(value.kindDescription)")
            }
            do throws(BadUsageRow) {
                try read(page: page, into: &costs)
            } catch {
                throw InputError(file: file, error)
            }
        }
    }

    private static func read(page: JSONObjectFields, into costs: inout ProviderCosts) throws(BadUsageRow) {
        guard let buckets = try page.array("data") else { throw page.problem("data", "missing: a page has a data array of buckets") }
        for (index, value) in buckets.enumerated() {
            guard let bucket = JSONObjectFields(value, path: "data[\(index)]", lineOffset: page.lineOffset, line: page.line) else {
                throw page.problem("data", "bucket \(index) is \(value.kindDescription), not an object")
            }
            if AnthropicCostReport.isReportBucket(bucket) {
                try AnthropicCostReport.read(bucket: bucket, into: &costs)
            } else {
                try read(bucket: bucket, into: &costs)
            }
        }
    }

    private static func read(bucket: JSONObjectFields, into costs: inout ProviderCosts) throws(BadUsageRow) {
        guard let startNanoseconds = try bucket.unixSeconds("start_time") else { throw bucket.problem("start_time", "missing") }
        let start = try field(bucket, "start_time") { () throws(FieldProblem) in try ProviderFiles.timestamp(nanoseconds: startNanoseconds) }
        let end = try bucket.unixSeconds("end_time").map { nanoseconds throws(BadUsageRow) in
            try field(bucket, "end_time") { () throws(FieldProblem) in try ProviderFiles.timestamp(nanoseconds: nanoseconds) }
        }
        try field(bucket, "end_time") { () throws(FieldProblem) in try ProviderFiles.checkBucket(start: start, end: end) }
        costs.cover(start: start, end: end)
        for (index, value) in (try bucket.array("results") ?? []).enumerated() {
            guard let result = JSONObjectFields(value, path: bucket.path + ".results[\(index)]", lineOffset: bucket.lineOffset, line: bucket.line) else {
                throw bucket.problem("results", "result \(index) is \(value.kindDescription), not an object")
            }
            guard let amount = try result.object("amount") else { throw result.problem("amount", "missing") }
            guard let text = try amount.numberOrText("value") else { throw amount.problem("value", "missing") }
            let picos = try field(amount, "value") { () throws(FieldProblem) in try ProviderFiles.picos(text) }
            let currency = try amount.string("currency")
            try field(amount, "currency") { () throws(FieldProblem) in try ProviderFiles.checkCurrency(currency) }
            let lineItem = try result.string("line_item")
            costs.costs.append(ProviderCost(day: CalendarDay(start), item: LineItem(parsing: lineItem), text: lineItem, amountPicos: picos))
        }
    }

    /// Runs `read`, naming `key` of `object` in its problem.
    private static func field<T>(_ object: JSONObjectFields, _ key: String, _ read: () throws(FieldProblem) -> T) throws(BadUsageRow) -> T {
        do { return try read() } catch { throw object.problem(key, error.reason) }
    }
}

extension JSONObjectFields {
    /// A number's text, or a string's (some tools quote amounts); nil when missing or null.
    func numberOrText(_ key: String) throws(BadUsageRow) -> String? {
        guard let member = member(key) else { return nil }
        switch member.value {
        case .null: return nil
        case .number(let text), .string(let text): return text
        default: throw problem(key, "expected a number, found \(member.value.kindDescription)")
        }
    }
}
