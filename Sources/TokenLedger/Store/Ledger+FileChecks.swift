import Foundation
import GRDB

extension Ledger {
    /// What a `--db` path names, found with `lstat`/`stat` before SQLite opens anything (SQLite
    /// would block on a FIFO, and write `-journal` files beside a device).
    enum FileKind: Equatable {
        /// Nothing: `create` may make the file.
        case absent
        /// A regular file (or a link to one).
        case regular
    }

    /// Refuses, as `.notALedger`, a path that cannot name a ledger file: an empty name,
    /// `:memory:`, a directory, a FIFO, a socket, a device, a symbolic link to nothing.
    static func examine(path: String) throws -> FileKind {
        if path.isEmpty { throw LedgerError(.notALedger, path: path, detail: "the name is empty") }
        if path == ":memory:" {
            throw LedgerError(.notALedger, path: path, detail: "':memory:' names SQLite's in-memory database, not a file")
        }
        var link = stat()
        guard lstat(path, &link) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .absent }
            throw LedgerError(.readOnly, path: path, detail: "cannot look at the file: \(String(cString: strerror(errno)))")
        }
        var target = stat()
        guard stat(path, &target) == 0 else {
            if link.st_mode & S_IFMT == S_IFLNK {
                let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                throw LedgerError(.notALedger, path: path, detail: "it is a symbolic link to a missing file (\(destination))")
            }
            throw LedgerError(.readOnly, path: path, detail: "cannot look at the file: \(String(cString: strerror(errno)))")
        }
        switch target.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: throw LedgerError(.notALedger, path: path, detail: "it is a directory")
        case S_IFIFO: throw LedgerError(.notALedger, path: path, detail: "it is a FIFO (a named pipe), not a file")
        case S_IFSOCK: throw LedgerError(.notALedger, path: path, detail: "it is a socket, not a file")
        case S_IFCHR, S_IFBLK: throw LedgerError(.notALedger, path: path, detail: "it is a device, not a file")
        default: throw LedgerError(.notALedger, path: path, detail: "it is not a regular file")
        }
    }

    /// How an existing file is opened: for writing, or, when this user may not write it, for
    /// reading only (an auditor given read access alone).
    enum Access: Equatable {
        case readWrite
        /// Read-only through SQLite's write-ahead log, which exists (a writer has the file open).
        case readOnly
        /// Read-only with no write-ahead log: SQLite opens the file as `immutable`, since it may
        /// neither create the log nor take locks; each read checks afterwards that no other
        /// process wrote the file meanwhile (``FileStamp``).
        case immutable
    }

    /// The access this process has to the existing file at `path`: read-write when it may write
    /// the file and its write-ahead log (which exists, or which it may create in the folder).
    static func access(toExisting path: String) -> Access {
        let logExists = FileManager.default.fileExists(atPath: path + "-wal")
        let folder = (path as NSString).deletingLastPathComponent
        if Foundation.access(path, W_OK) == 0 && (logExists || Foundation.access(folder.isEmpty ? "." : folder, W_OK) == 0) { return .readWrite }
        return logExists ? .readOnly : .immutable
    }

    /// The name SQLite is given: the path itself, or an `immutable` URI.
    static func sqliteName(_ path: String, access: Access) -> String {
        guard access == .immutable else { return path.hasPrefix("file:") ? "./" + path : path }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~/"))
        allowed.formIntersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    /// Makes a file that `init` adopts (empty, or half-initialized) and its `-wal` and `-shm`
    /// readable and writable by their owner only, as a file `init` creates is.
    static func makeOwnerOnly(_ path: String) throws {
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            guard chmod(file, 0o600) == 0 else {
                throw LedgerError(
                    .readOnly, path: path, detail: "cannot make \(file) readable and writable by its owner only: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// What identifies a file's content for a reader that takes no locks: its inode, size and times
/// of change. A read-only ledger opened `immutable` compares it after each read, so that a
/// checkpoint by another process during the read is an error instead of a torn read.
struct FileStamp: Equatable, Sendable {
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64
    var changedNanoseconds: Int64

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        #if canImport(Darwin)
            let (modified, changed) = (status.st_mtimespec, status.st_ctimespec)
        #else
            let (modified, changed) = (status.st_mtim, status.st_ctim)
        #endif
        modifiedNanoseconds = Int64(modified.tv_sec) * 1_000_000_000 + Int64(modified.tv_nsec)
        changedNanoseconds = Int64(changed.tv_sec) * 1_000_000_000 + Int64(changed.tv_nsec)
    }
}
