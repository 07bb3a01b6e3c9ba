import Foundation
import TokenLedger

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file the user asked a command to write (`--chart`, `--html`).
///
/// It is checked before the command touches the ledger: a path that is the ledger itself, one of
/// SQLite's files beside it (`-wal`, `-shm`, `-journal`), a directory or a special file is
/// refused, so no option can turn the books into a page. It is written to a temporary file in the
/// same folder and renamed over the path, never truncated in place: the file holds the old
/// content or the new one, whole.
struct OutputFile {
    /// The path as the user gave it.
    let path: String
    /// What is written, for messages: "the chart", "the page".
    let what: String

    /// The file for `path`, or nil when the option was not given; refuses with the option's name.
    init?(_ path: String?, option: String, what: String, ledger: String?) throws {
        guard let path else { return nil }
        self.path = path
        self.what = what
        try check(option: option, ledger: ledger)
    }

    private func check(option: String, ledger: String?) throws {
        guard !path.isEmpty else { throw InputError(field: option, reason: "names no file") }
        var status = stat()
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { throw InputError(field: option, reason: "'\(path)' is a directory: name a file") }
            if status.st_mode & S_IFMT != S_IFREG { throw InputError(field: option, reason: "'\(path)' is not a regular file") }
        }
        guard let ledger else { return }
        let target = Self.canonical(path)
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let protected = ledger + suffix
            if target == Self.canonical(protected) || Self.sameFile(path, protected) {
                let which = suffix.isEmpty ? "the ledger" : "the ledger's \(suffix) file"
                throw InputError(field: option, reason: "'\(path)' is \(which) (\(ledger)): name another file for \(what)")
            }
        }
    }

    /// Writes `text` whole: to a temporary file beside the path, then renamed over it (keeping an
    /// existing file's permissions). A failure names the file and leaves it as it was.
    func write(_ text: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/.\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        func failure(_ reason: String) -> InputError { InputError(file: path, reason: "cannot write \(what): \(reason)") }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw failure(String(cString: strerror(errno))) }
        var existing = stat()
        if stat(path, &existing) == 0 { _ = fchmod(descriptor, existing.st_mode & 0o7777) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            unlink(temporary)
            throw failure(error.localizedDescription)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw failure(reason)
        }
    }

    /// The path with its folder's symbolic links resolved (and the file's own, when it exists).
    static func canonical(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        guard let resolved = realpath(folder, nil) else { return url.standardizedFileURL.path }
        defer { free(resolved) }
        return String(cString: resolved) + "/" + url.lastPathComponent
    }

    /// Whether two existing paths are one file (a hard or symbolic link to it).
    static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat()
        var b = stat()
        guard stat(first, &a) == 0, stat(second, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}
