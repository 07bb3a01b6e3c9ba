/// SHA-256 (FIPS 180-4), for deterministic ids: a usage row imported without a request id is
/// named by the digest of its content, so importing the same file again finds the same ids.
///
/// Small and dependency-free on purpose (the package adds no crypto library for one hash); it is
/// checked against the standard's test vectors. Not for secrets: nothing here is constant-time.
/// ```swift
/// SHA256.hexDigest(of: Array("abc".utf8))
/// // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func digest(of bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { buffer in
            withState(of: buffer) { state in
                var digest: [UInt8] = []
                digest.reserveCapacity(32)
                for word in state {
                    digest += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
                }
                return digest
            }
        }
    }

    /// The digest of `bytes` as 64 lowercase hexadecimal digits.
    public static func hexDigest(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { hexDigest(of: $0, digits: 64) }
    }

    /// The first `digits` (at most 64) lowercase hexadecimal digits of the digest of `bytes`.
    static func hexDigest(of bytes: UnsafeBufferPointer<UInt8>, digits: Int) -> String {
        String(unsafeUninitializedCapacity: digits) { text in
            writeHexDigest(of: bytes, into: UnsafeMutableBufferPointer(rebasing: text[0..<digits]))
            return digits
        }
    }

    /// Writes the first `text.count` (at most 64) lowercase hexadecimal digits of the digest of
    /// `bytes` into `text`.
    static func writeHexDigest(of bytes: UnsafeBufferPointer<UInt8>, into text: UnsafeMutableBufferPointer<UInt8>) {
        precondition((0...64).contains(text.count))
        withState(of: bytes) { state in
            for index in 0..<text.count {
                let nibble = (state[index / 8] >> UInt32(28 - (index % 8) * 4)) & 0xF
                text[index] = nibble < 10 ? UInt8(ascii: "0") + UInt8(nibble) : UInt8(ascii: "a") + UInt8(nibble - 10)
            }
        }
    }

    /// Runs `body` with the eight words of the digest of `bytes`; nothing is allocated on the heap.
    private static func withState<Result>(of bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeMutableBufferPointer<UInt32>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 72) { scratch in
            let state = UnsafeMutableBufferPointer(rebasing: scratch[0..<8])
            let schedule = UnsafeMutableBufferPointer(rebasing: scratch[8..<72])
            for index in 0..<8 { state[index] = initialState[index] }
            let fullBlocks = bytes.count / 64
            for block in 0..<fullBlocks {
                compress(state, block: UnsafeBufferPointer(rebasing: bytes[(block * 64)..<(block * 64 + 64)]), schedule: schedule)
            }
            // The rest, the 0x80 marker, zeros and the length in bits: one block or two.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
                tail.initialize(repeating: 0)
                let rest = bytes.count - fullBlocks * 64
                for index in 0..<rest { tail[index] = bytes[fullBlocks * 64 + index] }
                tail[rest] = 0x80
                let tailLength = rest + 9 <= 64 ? 64 : 128
                let bitLength = UInt64(bytes.count) &* 8
                for index in 0..<8 { tail[tailLength - 1 - index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(8 * index)) }
                for start in stride(from: 0, to: tailLength, by: 64) {
                    compress(state, block: UnsafeBufferPointer(rebasing: tail[start..<(start + 64)]), schedule: schedule)
                }
            }
            return body(state)
        }
    }

    private static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private static func rotateRight(_ value: UInt32, _ count: UInt32) -> UInt32 { (value >> count) | (value << (32 - count)) }

    /// One 64-byte block into the running state.
    private static func compress(_ state: UnsafeMutableBufferPointer<UInt32>, block: UnsafeBufferPointer<UInt8>, schedule w: UnsafeMutableBufferPointer<UInt32>) {
        for index in 0..<16 {
            let base = index * 4
            w[index] = UInt32(block[base]) << 24 | UInt32(block[base + 1]) << 16 | UInt32(block[base + 2]) << 8 | UInt32(block[base + 3])
        }
        for index in 16..<64 {
            let s0 = rotateRight(w[index - 15], 7) ^ rotateRight(w[index - 15], 18) ^ (w[index - 15] >> 3)
            let s1 = rotateRight(w[index - 2], 17) ^ rotateRight(w[index - 2], 19) ^ (w[index - 2] >> 10)
            w[index] = w[index - 16] &+ s0 &+ w[index - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
        roundConstants.withUnsafeBufferPointer { k in
            for index in 0..<64 {
                let sum1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
                let choice = (e & f) ^ (~e & g)
                let temp1 = h &+ sum1 &+ choice &+ k[index] &+ w[index]
                let sum0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let temp2 = sum0 &+ majority
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
            }
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }
}
