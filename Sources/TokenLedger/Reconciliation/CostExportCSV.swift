import TokenLedgerCore

/// The dashboard's cost export: `start_time,end_time,amount_value,amount_currency,line_item,
/// project_id,organization_id,project_name,organization_name`, sometimes with
/// `start_time_iso,end_time_iso`, with columns dropped, or tab-separated. Times are seconds since
/// 1970 or ISO 8601; an empty `amount_value` is a day without cost, and a row of only empty
/// fields (the dashboard prints one for each day without usage, with more separators than the
/// header) is skipped.
enum CostExportCSV {
    static func read(_ records: CSVRecordReader, header: CSVRecord, into costs: inout ProviderCosts) throws {
        let file = records.file
        let names = Set(header.fields)
        if !names.contains("start_time"), !names.contains("start_time_iso") {
            throw InputError(file: file, line: header.line, field: "start_time", reason: "the header has no column 'start_time' or 'start_time_iso'")
        }
        guard names.contains("amount_value") else {
            throw InputError(file: file, line: header.line, field: "amount_value", reason: "the header has no column 'amount_value'")
        }
        let columns = try CSVColumns(header: header, map: [:], required: [], file: file)
        while let result = try records.next() {
            do throws(BadUsageRow) {
                switch result {
                case .failure(let bad): throw bad
                case .success(let record): try read(record, columns: columns, into: &costs)
                }
            } catch {
                throw InputError(file: file, error)
            }
        }
    }

    private static func read(_ record: CSVRecord, columns: CSVColumns, into costs: inout ProviderCosts) throws(BadUsageRow) {
        if let bad = columns.check(record) { throw bad }
        // A row of only empty fields is a day without usage: nothing billed, nothing to place.
        if columns.isBlank(record) { return }
        guard let start = try time(["start_time", "start_time_iso"], record, columns) else {
            throw BadUsageRow(line: record.line, field: columns.fileName("start_time"), reason: "the bucket has no start time")
        }
        let end = try time(["end_time", "end_time_iso"], record, columns)
        do { try ProviderFiles.checkBucket(start: start, end: end) } catch {
            throw BadUsageRow(line: record.line, field: columns.fileName(columns.has("end_time") ? "end_time" : "end_time_iso"), reason: error.reason)
        }
        costs.cover(start: start, end: end)
        guard let amount = columns.text("amount_value", in: record) else { return }
        let picos = try columns.read("amount_value", in: record) { _ throws(FieldProblem) in try ProviderFiles.picos(amount) } ?? 0
        _ = try columns.read("amount_currency", in: record) { text throws(FieldProblem) in try ProviderFiles.checkCurrency(ImportFields.optional(text)) }
        let lineItem = columns.text("line_item", in: record)
        costs.costs.append(ProviderCost(day: CalendarDay(start), item: LineItem(parsing: lineItem), text: lineItem, amountPicos: picos))
    }

    /// The first non-empty of `names` read as a time (seconds since 1970 or ISO 8601).
    private static func time(_ names: [String], _ record: CSVRecord, _ columns: CSVColumns) throws(BadUsageRow) -> Timestamp? {
        for name in names {
            guard let text = columns.text(name, in: record) else { continue }
            return try columns.read(name, in: record) { _ throws(FieldProblem) in
                try ProviderFiles.timestamp(nanoseconds: try ImportFields.time(text))
            }
        }
        return nil
    }
}
