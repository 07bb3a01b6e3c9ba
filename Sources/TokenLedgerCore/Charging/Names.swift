/// The rules for the names and text fields callers give (accounts, models, projects, API keys,
/// end users, ids, tier names), written once: every operation that stores one checks it here.
///
/// Why: text a ledger stores must print as what it is. SQLite and every C string end text at a
/// NUL, so a name holding one is stored in full but printed cut, and two different names print
/// alike. Invalid UTF-8 never reaches here (a Swift `String` cannot hold it): the file readers
/// and the command line refuse it where the bytes come in. Account names, which people read in
/// lists and statements, refuse invisible and direction-changing characters too
/// (``isHidden(_:)``): `"\u{FEFF}acme"` would list exactly like `acme`.
public enum Names {
    /// The problem with `text` as a name or field of at most `maximumLength` characters (Unicode
    /// scalars, as SQLite's `length` counts them), said of it without a subject ("is empty"):
    /// empty, too long, or holding a NUL character.
    @inlinable
    public static func problem(_ text: String, maximumLength: Int) -> String? {
        let utf8 = text.utf8
        if utf8.isEmpty { return "is empty" }
        // No counting when the bytes are already few enough.
        if utf8.count > maximumLength, text.unicodeScalars.count > maximumLength { return "is longer than \(maximumLength) characters" }
        if utf8.contains(0) { return "holds a NUL character (U+0000), which would end the text where it is printed" }
        return nil
    }

    /// Whether `scalar` is invisible or changes the direction of the text around it: a format
    /// character (general category Cf: zero-width spaces and joiners, U+FEFF, the bidirectional
    /// marks, embeddings, overrides and isolates such as U+202E), a line or paragraph separator
    /// (U+2028, U+2029), or any other default-ignorable code point (variation selectors, fillers).
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return properties.isDefaultIgnorableCodePoint || properties.isBidiControl
        }
    }
}

/// Ids that callers give operations (idempotency keys, request ids).
public enum Identifier {
    /// The longest id accepted.
    public static let maximumLength = 256

    /// The problem with an id, if any: empty, longer than ``maximumLength`` characters, or
    /// holding a NUL (``Names/problem(_:maximumLength:)``).
    public static func problem(_ id: String) -> String? {
        Names.problem(id, maximumLength: maximumLength).map { "it " + $0 }
    }
}
