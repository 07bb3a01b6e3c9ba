import Foundation
import Testing
import TokenLedgerCore

/// The README's table of exit codes against the code: every refusal code the program can emit
/// is listed on the row of its exit code (1 bad input, 2 refused by a rule), every operating
/// error (`LedgerError.Kind`) on row 4, and the table names nothing the code does not emit.
///
/// The codes are read from the sources (every string a `Refusal`'s `code` returns, every case
/// of `LedgerError.Kind`), so a new code fails this test until the README lists it, and until
/// `RefusalTests`' table of every refusal holds a value of it.
@Suite("The README's exit codes")
struct ExitCodeTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The names the CLI itself gives malformed input and usage (exit 1).
    static let inputCodes: Set<String> = ["bad_input", "bad_usage"]

    /// The README's exit-code table: each code's row, with the backquoted names in it.
    static func table() throws -> [Int: Set<String>] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Exit codes").dropFirst().first?.components(separatedBy: "\n## ").first)
        var rows: [Int: Set<String>] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 2, let code = Int(cells[1]) else { continue }
            rows[code] = names(in: cells[2...].joined(separator: "|"))
        }
        return rows
    }

    /// The snake_case names between backquotes in `text`.
    static func names(in text: String) -> Set<String> {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        return Set(
            stride(from: 1, to: parts.count, by: 2).map { String(parts[$0]) }.filter { name in
                !name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || $0 == "_" }
            })
    }

    /// The Swift files under `Sources`.
    static func sources() throws -> [String] {
        let folder = root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
        return try files.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.map { try String(contentsOf: $0, encoding: .utf8) }
    }

    /// The body of the first `{ … }` block that follows `marker` in `text`.
    static func block(after marker: Range<String.Index>, in text: String) -> Substring? {
        guard let open = text[marker.upperBound...].firstIndex(of: "{") else { return nil }
        var depth = 0
        for index in text[open...].indices {
            if text[index] == "{" { depth += 1 }
            if text[index] == "}" { depth -= 1 }
            if depth == 0 { return text[text.index(after: open)..<index] }
        }
        return nil
    }

    /// Every string literal returned by the `code` of a type that conforms to `Refusal`.
    static func refusalCodesInSources() throws -> Set<String> {
        var codes: Set<String> = []
        for text in try sources() {
            var rest = text.startIndex
            while let declaration = text.range(of: #"(enum|struct) \w+: Refusal\b"#, options: .regularExpression, range: rest..<text.endIndex) {
                rest = declaration.upperBound
                guard let type = block(after: declaration, in: text), let property = type.range(of: "var code: String"),
                    let body = block(after: property, in: text)
                else { continue }
                codes.formUnion(names(in: body.replacingOccurrences(of: "\"", with: "`")))
            }
        }
        return codes
    }

    /// The stable names of `LedgerError.Kind` (the operating errors, exit 4), from its source.
    static func ledgerErrorKindsInSources() throws -> Set<String> {
        let file = root.appendingPathComponent("Sources/TokenLedger/Store/LedgerError.swift")
        let text = try String(contentsOf: file, encoding: .utf8)
        let marker = try #require(text.range(of: "enum Kind"))
        let body = try #require(block(after: marker, in: text))
        var kinds: Set<String> = []
        for line in body.split(separator: "\n") {
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard words.first == "case", words.count >= 2 else { continue }
            let raw = line.split(separator: "\"")
            kinds.insert(raw.count >= 2 ? String(raw[1]) : String(words[1]))
        }
        return kinds
    }

    @Test("every refusal code is on the README's row of its exit code, and every row names only codes that exist")
    func refusalsAreDocumented() throws {
        let table = try Self.table()
        let sampled = Set(everyRefusal.map(\.refusal.code))
        #expect(try Self.refusalCodesInSources() == sampled, "RefusalTests' everyRefusal must hold a value of every code in the sources")
        for (refusal, _, _) in everyRefusal {
            let exit = refusal.isBadInput ? 1 : 2
            #expect(table[exit]?.contains(refusal.code) == true, "the README's exit \(exit) row lacks `\(refusal.code)`")
        }
        #expect(Self.inputCodes.isSubset(of: table[1] ?? []), "the README's exit 1 row lacks bad_input or bad_usage")
        let emitted = sampled.union(Self.inputCodes)
        #expect((table[1] ?? []).subtracting(emitted).isEmpty, "the README's exit 1 row names codes the program does not emit")
        #expect((table[2] ?? []).subtracting(emitted).isEmpty, "the README's exit 2 row names codes the program does not emit")
    }

    @Test("the README's exit 4 row names every operating error, and only those")
    func operatingErrorsAreDocumented() throws {
        let kinds = try Self.ledgerErrorKindsInSources()
        #expect(kinds.contains("not_a_ledger") && kinds.contains("missing"))
        #expect(try Self.table()[4] == kinds)
    }
}
