import Foundation
import TokenLedger

/// Where a PostgreSQL ledger lives, read from a `postgres://` URL as libpq reads one.
///
/// `postgres://[user[:password]@][host][:port][/database][?param=value&…]` (or `postgresql://`).
/// The user defaults to `$PGUSER`, else the operating system's user name; the host to `$PGHOST`, else the socket
/// folder `/var/run/postgresql`; the port to `$PGPORT`, else 5432; the database to the user.
/// The password comes from the URL, else `$PGPASSWORD`, else the password file (`$PGPASSFILE`,
/// else `~/.pgpass`, when only its owner may read it). Parameters: `sslmode` (`disable`,
/// `prefer`, the default, `require`, `verify-ca`, `verify-full`), `sslrootcert` (a PEM file of
/// trusted roots for the `verify-` modes), `host` (a socket folder, or a host name),
/// `connect_timeout` (seconds) and `application_name`. Any other parameter is refused, as libpq
/// refuses it.
///
/// The password is never shown: ``description`` leaves it out.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS (libpq's `sslmode`).
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    /// A host name or address; nil for a Unix socket in ``socketFolder``.
    public var host: String?
    public var socketFolder: String?
    public var port: Int
    public var database: String
    public var tlsMode: TLSMode
    public var rootCertificatePath: String?
    public var connectTimeoutSeconds: Int
    public var applicationName: String

    /// Whether `text` names a PostgreSQL database rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads `url`, taking defaults and the password from `environment` and the password file.
    /// Throws ``InputError`` (field `--db`) naming what is wrong; the message never holds the
    /// password.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(url) else {
            throw InputError(field: "--db", reason: "a PostgreSQL ledger is named by a postgres:// or postgresql:// URL")
        }
        let shown = Self.redacted(url)
        guard let components = URLComponents(string: url) else {
            throw InputError(field: "--db", reason: "\(shown) is not a valid URL")
        }
        if let fragment = components.fragment, !fragment.isEmpty {
            throw InputError(field: "--db", reason: "\(shown): a PostgreSQL URL has no #fragment")
        }
        user = components.user.nonEmpty ?? environment["PGUSER"].nonEmpty ?? Self.loginName()
        password = components.password
        port = components.port ?? 5432
        if components.port == nil, let fromEnvironment = environment["PGPORT"].nonEmpty {
            guard let value = Int(fromEnvironment), (1...65535).contains(value) else {
                throw InputError(field: "PGPORT", reason: "'\(fromEnvironment)' is not a port (1 to 65535)")
            }
            port = value
        }
        guard (1...65535).contains(port) else { throw InputError(field: "--db", reason: "\(shown): the port must be 1 to 65535") }
        var hostName = components.host.nonEmpty
        if let bracketed = hostName, bracketed.hasPrefix("["), bracketed.hasSuffix("]") { hostName = String(bracketed.dropFirst().dropLast()) }
        let path = components.path
        database = (path.hasPrefix("/") ? String(path.dropFirst()) : path).nonEmpty ?? user
        guard !database.contains("/") else {
            throw InputError(field: "--db", reason: "\(shown): '\(database)' is not a database name (a URL names one database, after the host)")
        }
        tlsMode = .prefer
        rootCertificatePath = nil
        connectTimeoutSeconds = 10
        applicationName = "tokenledger"
        var hostParameter: String?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw InputError(
                        field: "--db", reason: "\(shown): sslmode '\(value)' is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tlsMode = mode
            case "sslrootcert": rootCertificatePath = value
            case "host": hostParameter = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 0 else {
                    throw InputError(field: "--db", reason: "\(shown): connect_timeout '\(value)' is not a whole number of seconds")
                }
                connectTimeoutSeconds = seconds == 0 ? 10 : seconds
            case "application_name": applicationName = value
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            default:
                throw InputError(
                    field: "--db",
                    reason: "\(shown): unknown parameter '\(item.name)' (known: sslmode, sslrootcert, host, connect_timeout, application_name)")
            }
        }
        if hostName == nil { hostName = hostParameter.nonEmpty ?? environment["PGHOST"].nonEmpty }
        if let name = hostName, name.hasPrefix("/") {
            host = nil
            socketFolder = name
        } else if let name = hostName {
            host = name
            socketFolder = nil
        } else {
            host = nil
            socketFolder = "/var/run/postgresql"
        }
        if host == nil && tlsMode != .disable && tlsMode != .prefer {
            throw InputError(field: "--db", reason: "\(shown): sslmode \(tlsMode.rawValue) needs a host: a Unix socket has no TLS")
        }
        if password == nil { password = environment["PGPASSWORD"].nonEmpty }
        if password == nil { password = try Self.passwordFromFile(for: self, environment: environment) }
    }

    /// The socket file of a Unix-socket connection.
    var socketPath: String? { socketFolder.map { "\($0)/.s.PGSQL.\(port)" } }

    /// The URL without its password: what messages, logs and outputs show.
    public var description: String {
        let encodedUser = user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? user
        let place = host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? ""
        var text = "postgres://\(encodedUser)@\(place):\(port)/\(database)"
        if let socketFolder { text += "?host=\(socketFolder)" }
        return text
    }

    /// `url` with any password replaced by `***`, for messages about a URL that did not parse.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return redactingParameter(url) }
        let credentials = authority[..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return redactingParameter(url) }
        return redactingParameter(String(url[..<colon]) + ":***" + String(url[at...]))
    }

    private static func redactingParameter(_ url: String) -> String {
        guard let range = url.range(of: "password=") else { return url }
        let end = url[range.upperBound...].firstIndex(of: "&") ?? url.endIndex
        return String(url[..<range.upperBound]) + "***" + String(url[end...])
    }

    /// The operating system's name for this process's user, as libpq takes it.
    static func loginName() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return NSUserName() }
        return String(cString: name)
    }

    /// The password the password file gives this location, libpq's way: the first line
    /// `host:port:database:user:password` whose fields match (`*` matches anything; `\:` and `\\`
    /// escape), a socket connection matching `localhost`. A file that others may read is ignored.
    static func passwordFromFile(for location: PostgresLocation, environment: [String: String]) throws -> String? {
        let path: String
        if let given = environment["PGPASSFILE"].nonEmpty {
            path = given
        } else {
            guard let home = environment["HOME"].nonEmpty else { return nil }
            path = home + "/.pgpass"
        }
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        // libpq's rule: a password file group or others may read is not used.
        guard status.st_mode & 0o077 == 0 else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let host = location.host ?? "localhost"
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            let text = line.hasSuffix("\r") ? line.dropLast() : line
            if text.hasPrefix("#") { continue }
            let fields = splitPasswordLine(text)
            guard fields.count == 5 else { continue }
            func matches(_ field: String, _ value: String) -> Bool { field == "*" || field == value }
            if matches(fields[0], host) && matches(fields[1], String(location.port)) && matches(fields[2], location.database)
                && matches(fields[3], location.user)
            {
                return fields[4]
            }
        }
        return nil
    }

    /// A password-file line's fields: split at `:`, with `\:` and `\\` escaped.
    static func splitPasswordLine(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}

extension Optional where Wrapped == String {
    /// The string, or nil when it is missing or empty.
    fileprivate var nonEmpty: String? {
        switch self {
        case .some(let value) where !value.isEmpty: value
        default: nil
        }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
