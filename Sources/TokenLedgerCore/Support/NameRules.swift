/// The rules every name people give shares (an account's, an API key's).
public enum NameRules {
    /// The problem with `name`, if any: empty, longer than `maximumLength` characters (Unicode
    /// scalars), control characters, or white space at either end.
    public static func problem(_ name: String, maximumLength: Int) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name.unicodeScalars.count > maximumLength { return "the name is longer than \(maximumLength) characters" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "the name contains control characters"
        }
        if name.trimmingASCIIWhitespace() != name { return "the name starts or ends with white space" }
        return nil
    }
}
