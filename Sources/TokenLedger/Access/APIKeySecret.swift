import Crypto
import Foundation

/// The secret of an API key: made from the system's CSPRNG, shown once, stored as its SHA-256.
///
/// A secret is `tlk_` and 43 base64url characters (32 random bytes, 256 bits): far past any
/// guessing, so its unsalted SHA-256 is safe to store and to look up by.
package enum APIKeySecret {
    /// What every secret starts with, so that a leaked one is recognized (by secret scanners too).
    static let prefix = "tlk_"

    /// The random bytes in a secret.
    static let randomByteCount = 32

    /// A secret's length in characters: the prefix and 32 bytes in unpadded base64url.
    static let length = prefix.count + 43

    /// A new secret, from `SystemRandomNumberGenerator` (the kernel's CSPRNG: `getrandom` on
    /// Linux, `arc4random_buf` on Apple platforms).
    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = Data(capacity: randomByteCount)
        for _ in 0..<(randomByteCount / 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        let base64URL = bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + base64URL
    }

    /// Whether `text` has a secret's shape (checked before hashing, so an absurd header costs
    /// nothing). The shape is public; it tells an attacker nothing.
    static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == length && text.hasPrefix(prefix)
            && text.utf8.dropFirst(prefix.utf8.count).allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    /// SHA-256 of the secret's UTF-8 bytes: the 32 bytes the ledger stores.
    static func digest(_ secret: String) -> Data {
        Data(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Whether two digests are equal, in time that depends on their length only.
    ///
    /// swift-crypto compares its own digest types in constant time, but offers no public
    /// constant-time comparison of raw bytes, and the stored digest comes back from SQLite as
    /// bytes; `==` on `Data` stops at the first difference, which tells a timing attacker how
    /// many leading bytes were right. This loop visits every byte whatever it finds and only
    /// accumulates differences, so its time says nothing about where they are. (The lookup by
    /// digest already needs the whole SHA-256 to match, so this is defence in depth.)
    static func equalInConstantTime(_ left: Data, _ right: Data) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for offset in 0..<left.count {
            difference |= left[left.startIndex + offset] ^ right[right.startIndex + offset]
        }
        return difference == 0
    }
}
