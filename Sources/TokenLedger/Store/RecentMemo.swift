/// The values of the last few keys looked up, compared in place rather than hashed: an
/// import's rows name a handful of models in turn, and comparing a few names is cheaper than
/// hashing one. A miss goes to the caller's dictionary (or the file).
struct RecentMemo<Key: Equatable, Value> {
    /// How many keys are kept.
    static var capacity: Int { 8 }

    private var entries: [(key: Key, value: Value)] = []
    /// Where the next new key goes once the memo is full.
    private var next = 0

    /// The value remembered for `key`, if any.
    func value(for key: Key) -> Value? {
        for entry in entries where entry.key == key { return entry.value }
        return nil
    }

    /// Remembers `value` for `key` (forgetting the oldest key once full).
    mutating func remember(_ value: Value, for key: Key) {
        if entries.count < Self.capacity {
            entries.append((key, value))
        } else {
            entries[next] = (key, value)
            next = (next + 1) % Self.capacity
        }
    }
}
