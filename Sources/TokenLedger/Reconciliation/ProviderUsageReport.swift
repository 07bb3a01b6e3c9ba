import TokenLedgerCore

/// The provider's own usage report (`reconcile --usage`): Usage API pages or the dashboard's usage
/// export, read as token counts per day, model, tier and class. Reconciliation compares them with
/// the ledger's tokens to say why an amount differs: the same tokens priced differently, or
/// tokens the ledger lacks or has in excess. Nothing is charged or written.
public enum ProviderUsageReport {
    /// Token counts of `files` (JSON pages are read as `anthropic-usage-report` when their first
    /// bucket has `starting_at`, else as `openai-usage-api`; anything else as
    /// `openai-usage-export`). Throws ``InputError`` naming the file, line and field of the first
    /// bad row.
    public static func tokens(files: [String]) throws -> [TokenCountKey: Int64] {
        var counts: [TokenCountKey: Int64] = [:]
        for file in files {
            let format: UsageImportFormat
            if try ProviderFiles.isJSON(file) {
                format = try ProviderFiles.firstBucketHas("starting_at", file) ? .anthropicUsageReport : .openAIUsageAPI
            } else {
                format = .openAIUsageExport
            }
            var rows = try UsageImport.rows(of: file, format: format)
            while let item = try rows.next() {
                switch item {
                case .bad(let bad): throw InputError(file: file, bad)
                case .row(let row): try add(row, file: file, to: &counts)
                }
            }
        }
        return counts
    }

    private static func add(_ row: UsageRow, file: String, to counts: inout [TokenCountKey: Int64]) throws {
        guard !row.isEmpty else { return }
        let usage: TokenUsage
        do {
            usage = try TokenUsage.validated(
                input: row.inputTokens, cached: row.cachedTokens, cacheWrite: row.cacheWriteTokens, output: row.outputTokens, breakdown: row.breakdown)
        } catch {
            let field: UsageField = error.field == "output" ? .output : error.field == "input" ? .input : .cached
            throw InputError(file: file, line: row.line, field: row.fieldNames.name(of: field), reason: error.reason)
        }
        let at: Timestamp
        do { at = try ProviderFiles.timestamp(nanoseconds: row.timeNanoseconds) } catch {
            throw InputError(file: file, line: row.line, field: row.fieldNames.name(of: .time), reason: error.reason)
        }
        for tokenClass in TokenClass.allCases {
            let key = TokenCountKey(day: CalendarDay(at), model: row.model ?? "(no model)", tier: row.tier, tokenClass: tokenClass)
            counts[key, default: 0] += tokenClass.tokens(in: usage)
        }
    }
}
