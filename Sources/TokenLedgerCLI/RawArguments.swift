import TokenLedger

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The command line as the kernel handed it over, before Swift reads it.
///
/// Why: `CommandLine.arguments` repairs bytes that are not UTF-8 into U+FFFD, so two different
/// names typed on the command line (`b\xFFad`, `b\xFEad`) would both become `b�ad` and reach
/// the ledger as one. Every name and field is refused rather than changed (README, Limits).
enum RawArguments {
    /// The refusal of the first argument that is not valid UTF-8, naming it by its position,
    /// the option it is the value of, and its bytes (`\xFF`); nil when every argument is text.
    static func invalidUTF8() -> InputError? {
        let count = Int(CommandLine.argc)
        var previous: String?
        for index in 1..<max(count, 1) {
            guard let pointer = CommandLine.unsafeArgv[index] else { break }
            if let text = String(validatingCString: pointer) {
                previous = text
                continue
            }
            let bytes = UnsafeBufferPointer(start: pointer, count: strlen(pointer)).map { UInt8(bitPattern: $0) }
            let shown = bytes.map { byte in
                (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
            }.joined()
            var name = "argument \(index)"
            if bytes.first == UInt8(ascii: "-"), let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                name += " (the value of \(String(decoding: bytes[..<equals], as: UTF8.self)))"
            } else if let option = previous, option.hasPrefix("-") {
                name += " (after \(option))"
            }
            return InputError(field: name, reason: "not valid UTF-8 ('\(shown)'); names and fields must be UTF-8 text, never repaired")
        }
        return nil
    }
}
