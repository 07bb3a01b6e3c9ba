import Foundation
import Testing

/// A temporary folder for one test, removed when the value goes.
final class ScratchFolder {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The bytes of a file, or nil when it does not exist.
    func bytes(_ name: String) -> Data? { FileManager.default.contents(atPath: path(name)) }

    /// Writes `text` to the file `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }
}

extension CLI {
    /// Runs `tokenledger ARGS --db database` and expects exit 0.
    @discardableResult
    static func succeed(_ arguments: [String], database: String, environment: [String: String] = [:]) throws -> String {
        let result = try run(arguments + ["--db", database], environment: environment)
        #expect(result.status == 0, "tokenledger \(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    /// A usage CSV of `rows` requests of one model, one a minute from 2026-01-01, with ids.
    static func usageCSV(rows: Int, idPrefix: String = "req") -> String {
        var text = "time,model,input_tokens,cached_tokens,output_tokens,request_id,project,user\n"
        for row in 0..<rows {
            let seconds = row * 60
            let time = String(format: "2026-01-%02dT%02d:%02d:00Z", 1 + seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60)
            text += "\(time),gpt-4o-mini,\(1_000 + row % 977),\(row % 5 * 100),\(50 + row % 313),\(idPrefix)-\(row),p-\(row % 7),u-\(row % 11)\n"
        }
        return text
    }
}
