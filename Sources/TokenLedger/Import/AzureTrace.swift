import TokenLedgerCore

/// One request of an Azure LLM inference trace: `TIMESTAMP,ContextTokens,GeneratedTokens`.
public struct AzureTraceRequest: Sendable, Hashable {
    /// The line of the file it came from (the header is line 1).
    public var line: Int
    public var time: Timestamp
    /// The nanoseconds past `time`'s millisecond (the trace's times have 100 ns ticks), so that
    /// an import can scale offsets exactly.
    public var subMillisecondNanoseconds: Int64 = 0
    public var contextTokens: Int64
    public var generatedTokens: Int64
}

/// Reads the Azure Public Dataset's LLM inference traces (Splitwise, ISCA 2024). Times have no
/// zone and are read as UTC; `time` holds whole milliseconds, the rest of the fraction is kept
/// in `subMillisecondNanoseconds`. `TokenLedgerDemo` bundles one real hour of such a trace
/// (`AzureTrace.bundledConversationTrace`).
public enum AzureTrace {
    /// The header line of a trace file.
    public static let header = "TIMESTAMP,ContextTokens,GeneratedTokens"

    /// Parses the whole text. Throws ``InputError`` naming the file, line and field of the first
    /// bad row: nothing is returned from a file with a bad row.
    public static func parse(_ text: String, file: String) throws -> [AzureTraceRequest] {
        var requests: [AzureTraceRequest] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { continue }
            if lineNumber == 1 {
                try checkHeader(line, file: file)
                continue
            }
            requests.append(try request(line, number: lineNumber, file: file))
        }
        return requests
    }

    /// Throws ``InputError`` unless `line` is the trace's header.
    static func checkHeader(_ line: Substring, file: String) throws {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.map({ $0.trimmingASCIIWhitespace() }) == ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] else {
            throw InputError(file: file, line: 1, reason: "expected the header \(header)")
        }
    }

    /// One request from its line (without the line break). Throws ``InputError`` naming the field.
    static func request(_ line: Substring, number lineNumber: Int, file: String) throws -> AzureTraceRequest {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 3 else {
            throw InputError(file: file, line: lineNumber, reason: "expected 3 fields, found \(fields.count)")
        }
        let time: Timestamp
        do { time = try Timestamp(parsing: String(fields[0])) } catch {
            throw InputError(file: file, line: lineNumber, field: "TIMESTAMP", reason: error.description)
        }
        return AzureTraceRequest(
            line: lineNumber, time: time, subMillisecondNanoseconds: Int64(ImportFields.subMillisecondNanoseconds(of: String(fields[0]))),
            contextTokens: try count(fields[1], field: "ContextTokens", file: file, line: lineNumber),
            generatedTokens: try count(fields[2], field: "GeneratedTokens", file: file, line: lineNumber))
    }

    private static func count(_ text: Substring, field: String, file: String, line: Int) throws -> Int64 {
        guard let value = Int64(text.trimmingASCIIWhitespace()), value >= 0, value <= TokenUsage.maximumTokens else {
            throw InputError(
                file: file, line: line, field: field, reason: "'\(text)' is not a token count (a whole number from 0 to \(TokenUsage.maximumTokens))")
        }
        return value
    }
}

extension Substring {
    func trimmingASCIIWhitespace() -> String { String(self).trimmingASCIIWhitespace() }
}
