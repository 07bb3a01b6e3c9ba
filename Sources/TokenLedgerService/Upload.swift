import Foundation
import OpenAPIRuntime
import TokenLedger

/// A request body written to a file as it arrives, for the routes that take a file as the CLI
/// does (`import usage`, `prices import`, `reconcile`): the library then reads the file exactly
/// as the CLI reads its own, streaming, so a body of any size up to the upload limit costs disk,
/// never memory.
///
/// The file is made beside the ledger (on its disk, not in a temp folder that may be memory),
/// owner-only (`0600`), with a random name; ``remove()`` deletes it. Problems and answers name
/// it by ``name`` (the request's `file` parameter), never by its path.
struct Upload: Sendable {
    /// Where the body was written.
    let path: String
    /// What the answer calls the file.
    let name: String

    /// The name when the request gives none.
    static let defaultName = "upload"
    /// The longest name a request may give.
    static let maximumNameLength = 256

    /// Writes `body` to a new file in `folder`; refuses a missing body or a bad name (400) and
    /// answers a full disk as `disk_full` (503). The body's size is bounded by the middleware.
    static func receive(_ body: HTTPBody, name: String?, folder: String) async throws -> Upload {
        let name = name ?? defaultName
        guard !name.isEmpty, name.count <= maximumNameLength else {
            throw Problem.badInput("file: a name of 1 to \(maximumNameLength) characters", field: "file")
        }
        let path = folder + "/.tokenledger-upload-" + UUID().uuidString
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(errno, path: path) }
        let upload = Upload(path: path, name: name)
        do {
            defer { close(descriptor) }
            for try await chunk in body { try writeAll(chunk, to: descriptor, path: path) }
        } catch {
            upload.remove()
            throw error
        }
        return upload
    }

    /// Deletes the file.
    func remove() { _ = unlink(path) }

    /// `error` with the file named as the request named it: the library names the file it read.
    func naming(_ error: any Error) -> any Error {
        switch error {
        case var input as InputError where input.file == path:
            input.file = name
            return input
        case var refusal as ImportRowRefusal where refusal.file == path:
            refusal.file = name
            return refusal
        default:
            return error
        }
    }

    /// Writes all of `chunk`, again after a signal or a partial write.
    private static func writeAll(_ chunk: ArraySlice<UInt8>, to descriptor: Int32, path: String) throws {
        try chunk.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure(errno, path: path)
                }
                offset += written
            }
        }
    }

    private static func failure(_ code: Int32, path: String) -> LedgerError {
        let detail = "the upload could not be written: " + String(cString: strerror(code))
        return LedgerError(code == ENOSPC || code == EDQUOT ? .diskFull : .database, path: path, detail: detail)
    }
}
