import Foundation

/// Reads a file line by line through a fixed-size buffer, so memory stays flat whatever the
/// file's size. Lines end at `\n`; a `\r` before it is dropped (CRLF files); the last line
/// needs no line break; a UTF-8 byte order mark at the start is skipped.
final class LineReader {
    /// How much is read from the file at a time.
    static let chunkSize = 1 << 16
    /// The longest line accepted: beyond it the file is taken as not line-oriented.
    static let maximumLineLength = 16 << 20

    let file: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// The number of the line last returned (from 1).
    private(set) var lineNumber = 0
    /// Bytes consumed by the lines returned so far.
    private(set) var bytesRead: Int64 = 0
    let totalBytes: Int64

    /// Opens `path`. Throws ``InputError`` naming the file when it is missing or unreadable.
    init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw InputError(file: path, reason: "it is a directory, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError(file: path, reason: "the file cannot be read") }
        self.file = path
        self.handle = handle
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        self.totalBytes = size ?? 0
    }

    deinit { try? handle.close() }

    /// The next line without its line break, or nil at the end of the file.
    func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = findNewline() {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                return take(upTo: end, consumed: newline + 1)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                return take(upTo: end, consumed: buffer.count)
            }
            guard buffer.count - start <= LineReader.maximumLineLength else {
                throw InputError(file: file, line: lineNumber + 1, reason: "a line longer than \(LineReader.maximumLineLength >> 20) MiB")
            }
            try fill()
        }
    }

    private func take(upTo end: Int, consumed: Int) -> ArraySlice<UInt8> {
        var lineStart = start
        if lineNumber == 0, buffer[lineStart..<end].starts(with: [0xEF, 0xBB, 0xBF]) { lineStart += 3 }
        lineNumber += 1
        bytesRead += Int64(consumed - start)
        start = consumed
        return buffer[lineStart..<end]
    }

    private func findNewline() -> Int? {
        guard start < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { pointer -> Int? in
            guard let base = pointer.baseAddress,
                let found = memchr(base + start, Int32(UInt8(ascii: "\n")), pointer.count - start)
            else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Drops the bytes already returned and reads the next chunk.
    private func fill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let data: Data?
        do { data = try handle.read(upToCount: LineReader.chunkSize) } catch {
            throw InputError(file: file, line: lineNumber + 1, reason: "reading failed: \(error.localizedDescription)")
        }
        guard let data, !data.isEmpty else {
            atEnd = true
            return
        }
        buffer.append(contentsOf: data)
    }
}

extension ArraySlice<UInt8> {
    /// Whether the line holds only spaces and tabs (or nothing).
    var isBlank: Bool { allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } }

    /// The bytes as a String, or nil when they are not valid UTF-8.
    var validatedString: String? { String(validating: self, as: UTF8.self) }
}
