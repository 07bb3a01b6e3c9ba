import Testing
import TokenLedgerCore

private let grantedAt = utc(2026, 10, 5)

/// Whether `code` is a stable snake_case name: lowercase words joined by single underscores.
private func isSnakeCase(_ code: String) -> Bool {
    let words = code.split(separator: "_", omittingEmptySubsequences: false)
    return !words.isEmpty
        && words.allSatisfy { word in
            !word.isEmpty && word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
                && !("0"..."9").contains(word.unicodeScalars.first!)
        }
}

/// Every refusal with its code and whether it is bad input (exit 1) rather than a rule (exit 2):
/// a value of every case (``ExitCodeTableTests`` checks that every code in the sources is here).
let everyRefusal: [(refusal: any Refusal, code: String, isBadInput: Bool)] = [
    (AccountRefusal.invalidName("the name is empty"), "invalid_name", true),
    (AccountRefusal.invalidMaximumPurchase(Money(dollars: 1)), "invalid_max_purchase", true),
    (AccountRefusal.invalidOverdraft(Money(dollars: -1)), "invalid_overdraft", true),
    (AccountRefusal.accountExists("acme"), "account_exists", false),
    (APIKeyRefusal.invalidName("the name is empty"), "invalid_key_name", true),
    (APIKeyRefusal.unknownAccount("acme"), "unknown_account", false),
    (APIKeyRefusal.unknownKey("key_0000000000000000"), "unknown_key", false),
    (WebhookRefusal.invalidURL("no host"), "invalid_url", true),
    (WebhookRefusal.invalidSecret("too short"), "invalid_secret", true),
    (WebhookRefusal.invalidEventKind(UnknownEventKind(name: "nope")), "invalid_event_kind", true),
    (WebhookRefusal.invalidThreshold(Money(dollars: 0)), "invalid_threshold", true),
    (WebhookRefusal.unknownAccount("acme"), "unknown_account", false),
    (WebhookRefusal.unknownWebhook("wh_0000000000000000"), "unknown_webhook", false),
    (AccessRefusal.keyRevoked("key_0000000000000000"), "key_revoked", false),
    (AccessRefusal.roleForbidden(role: .reader, operation: .charge), "role_forbidden", false),
    (AccessRefusal.accountForbidden(keyAccount: "acme", requested: "beta", operation: .charge), "account_forbidden", false),
    (AccessRefusal.wholeLedgerForbidden(keyAccount: "acme", operation: .verify), "account_forbidden", false),
    (ChargeRefusal.tierTooLow(TierShortfall(model: "o3", required: "3", tier: "1")), "tier_too_low", false),
    (ChargeRefusal.hardLimit(LimitReached(scope: .account, limit: Money(dollars: 5), monthToDate: Money(dollars: 5))), "hard_limit", false),
    (ReservationRefusal.invalidExpiry(seconds: 0), "invalid_expiry", true),
    (ReservationRefusal.idConflict("r1"), "id_conflict", false),
    (ReservationRefusal.unknownAccount("acme"), "unknown_account", false),
    (ReservationRefusal.contextWindowExceeded(field: "input", tokens: 9_000, limit: 8_192), "context_window_exceeded", true),
    (ReservationRefusal.tierTooLow(TierShortfall(model: "o3", required: "3", tier: "1")), "tier_too_low", false),
    (ReservationRefusal.hardLimit(LimitReached(scope: .project("p"), limit: Money(dollars: 5), monthToDate: Money(dollars: 4))), "hard_limit", false),
    (ReservationRefusal.insufficientBalance(hold: Money(dollars: 2), available: Money(dollars: 1)), "insufficient_balance", false),
    (ReservationCloseRefusal.invalidID("it is empty"), "invalid_id", true),
    (ReservationCloseRefusal.unknownReservation("r1"), "unknown_reservation", false),
    (ChargeLookupRefusal.unknownCharge("req-1"), "unknown_charge", false),
    (ReservationCloseRefusal.idConflict("s1"), "id_conflict", false),
    (ReservationCloseRefusal.alreadySettled("r1"), "reservation_settled", false),
    (ReservationCloseRefusal.voided("r1"), "reservation_voided", false),
    (ReservationCloseRefusal.expired(id: "r1", expiresAt: grantedAt), "reservation_expired", false),
    (LimitRefusal.softAboveHard(soft: Money(dollars: 5), hard: Money(dollars: 4)), "soft_above_hard", true),
    (LimitRefusal.invalidAmount(field: "soft", amount: .zero), "invalid_limit", true),
    (UsageTierRefusal.invalidTable("empty"), "invalid_tier_table", true),
    (UsageTierRefusal.unknownTier("9"), "unknown_tier", true),
    (PurchaseRefusal.amountNotPositive(.zero), "amount_not_positive", true),
    (PurchaseRefusal.notWholeCents(Money(nanos: 1)), "not_whole_cents", true),
    (PurchaseRefusal.belowMinimum(Money(dollars: 4)), "below_minimum", false),
    (PurchaseRefusal.idConflict("p1"), "id_conflict", false),
    (PurchaseRefusal.unknownAccount("acme"), "unknown_account", false),
    (PurchaseRefusal.aboveMaximum(amount: Money(dollars: 200), maximum: Money(dollars: 100)), "above_maximum", false),
    (PurchaseRefusal.balanceOverflow, "balance_overflow", false),
    (PurchaseRefusal.ledgerTotalLimit, "ledger_total_limit", false),
    (GrantRefusal.amountNotPositive(.zero), "amount_not_positive", true),
    (GrantRefusal.aboveMaximum(Money(dollars: 2_000_000)), "above_maximum", false),
    (GrantRefusal.expiryNotAfterGrant(grantedAt: grantedAt, expiresAt: grantedAt), "expiry_not_after_grant", true),
    (GrantRefusal.idConflict("g1"), "id_conflict", false),
    (GrantRefusal.unknownAccount("acme"), "unknown_account", false),
    (GrantRefusal.balanceOverflow, "balance_overflow", false),
    (GrantRefusal.ledgerTotalLimit, "ledger_total_limit", false),
    (ChargeRefusal.invalidUsage(InvalidUsageFixture.negativeInput), "invalid_usage", true),
    (ChargeRefusal.invalidAttribution(field: "user", reason: "too long"), "invalid_attribution", true),
    (ChargeRefusal.idConflict("r1"), "id_conflict", false),
    (ChargeRefusal.unknownAccount("acme"), "unknown_account", false),
    (ChargeRefusal.unknownModel("gpt-9"), "unknown_model", false),
    (ChargeRefusal.ambiguousModel("x/openai/gpt-4o", candidates: ["openai/gpt-4o", "gpt-4o"]), "ambiguous_model", false),
    (ModelAliasRefusal.invalidName("the name is empty"), "invalid_name", true),
    (ModelAliasRefusal.unknownModel("gpt-9"), "unknown_model", false),
    (ModelAliasRefusal.unknownAlias("prod"), "unknown_alias", false),
    (ChargeRefusal.noPriceAtTime(model: "o3", time: utc(2025, 1, 1), earliest: utc(2025, 4, 16)), "no_price_at_time", false),
    (ChargeRefusal.contextWindowExceeded(field: "input", tokens: 9, limit: 8), "context_window_exceeded", true),
    (ChargeRefusal.noPriceForTier(model: "gpt-4", tier: .priority), "no_price_for_tier", false),
    (ChargeRefusal.noPriceForClass(model: "gpt-4o", tokenClass: .inputAudio, tier: .default), "no_price_for_class", false),
    (ChargeRefusal.insufficientBalance(cost: Money(dollars: 2), available: Money(dollars: 1)), "insufficient_balance", false),
    (ChargeRefusal.balanceOverflow, "balance_overflow", false),
    (ChargeRefusal.ledgerTotalLimit, "ledger_total_limit", false),
    (PriceRefusal.invalidEntry("the model name is empty"), "invalid_price", true),
    (PriceRefusal.entryExists(model: "o3", effectiveFrom: utc(2025, 4, 16)), "price_exists", false),
    (PurchaseRefusal.invalidID("the id is empty"), "invalid_id", true),
    (GrantRefusal.invalidID("the id is empty"), "invalid_id", true),
    (LimitRefusal.invalidProject("the name is empty"), "invalid_attribution", true),
    (LimitRefusal.unknownAccount("acme"), "unknown_account", false),
    (UsageTierRefusal.requiredByModel(tier: "3", model: "o3"), "tier_in_use", false),
    (AutoRechargeRefusal.thresholdNotPositive(.zero), "threshold_not_positive", true),
    (AutoRechargeRefusal.restoreToNotAboveThreshold(threshold: Money(dollars: 5), restoreTo: Money(dollars: 5)), "restore_to_not_above_threshold", true),
    (
        AutoRechargeRefusal.restoreToAboveMaximumPurchase(restoreTo: Money(dollars: 200), maximumPurchase: Money(dollars: 100)),
        "restore_to_above_maximum", true
    ),
    (AutoRechargeRefusal.invalidMonthlyCap(Money(nanos: 1)), "invalid_monthly_cap", true),
    (ReservationRefusal.invalidUsage(InvalidUsageFixture.negativeInput), "invalid_usage", true),
    (ReservationRefusal.invalidAttribution(field: "project", reason: "too long"), "invalid_attribution", true),
    (ReservationRefusal.unknownModel("gpt-9"), "unknown_model", false),
    (ReservationRefusal.ambiguousModel("x/openai/gpt-4o", candidates: ["openai/gpt-4o", "gpt-4o"]), "ambiguous_model", false),
    (ReservationRefusal.noPriceAtTime(model: "o3", time: utc(2025, 1, 1), earliest: utc(2025, 4, 16)), "no_price_at_time", false),
    (ReservationRefusal.noPriceForTier(model: "gpt-4", tier: .priority), "no_price_for_tier", false),
    (ReservationCloseRefusal.charge(.invalidUsage(InvalidUsageFixture.negativeInput)), "invalid_usage", true),
    (ReservationCloseRefusal.charge(.idConflict("r1")), "id_conflict", false),
    (CorrectionRefusal.amountNotPositive(.zero), "amount_not_positive", true),
    (CorrectionRefusal.aboveMaximum(Money(dollars: -2_000_000)), "above_maximum", false),
    (CorrectionRefusal.invalidReason("the reason is empty"), "invalid_reason", true),
    (CorrectionRefusal.invalidID("it is empty"), "invalid_id", true),
    (CorrectionRefusal.idConflict("a1"), "id_conflict", false),
    (CorrectionRefusal.unknownAccount("acme"), "unknown_account", false),
    (CorrectionRefusal.unknownPurchase("p1"), "unknown_purchase", false),
    (CorrectionRefusal.beforeOriginal(at: utc(2025, 1, 1), original: utc(2025, 1, 2)), "before_original", false),
    (CorrectionRefusal.nothingToReverse("r1"), "nothing_to_reverse", false),
    (CorrectionRefusal.alreadyReversed(charge: "r1", by: "rev-1"), "already_reversed", false),
    (CorrectionRefusal.refundExceedsRemaining(requested: Money(dollars: 2), remaining: Money(dollars: 1)), "refund_exceeds_remaining", false),
    (CorrectionRefusal.insufficientBalance(amount: Money(dollars: 2), available: Money(dollars: 1)), "insufficient_balance", false),
    (CorrectionRefusal.balanceOverflow, "balance_overflow", false),
    (CorrectionRefusal.ledgerTotalLimit, "ledger_total_limit", false),
]

/// A usage refusal obtained the only public way: from validation.
private enum InvalidUsageFixture {
    static let negativeInput: InvalidUsage = {
        do throws(InvalidUsage) {
            _ = try TokenUsage.validated(input: -1, output: 0)
            preconditionFailure("a negative count must be refused")
        } catch { return error }
    }()
}

/// The refusal of an account name holding the invisible or bidirectional character U+`code`.
private func hidden(_ code: String) -> String {
    "the name contains an invisible or direction-changing character (U+\(code)), so it would not print as what it is"
}

@Suite("Refusals")
struct RefusalTests {
    @Test("Every refusal has its stable snake_case code, its kind, and reads as code: message")
    func codesAndKinds() {
        for (refusal, code, isBadInput) in everyRefusal {
            #expect(refusal.code == code)
            #expect(isSnakeCase(refusal.code), "\(refusal.code)")
            #expect(refusal.isBadInput == isBadInput, "\(code)")
            #expect(!refusal.message.isEmpty)
            #expect(refusal.description == "\(code): \(refusal.message)")
        }
        #expect(isSnakeCase("below_minimum") && !isSnakeCase("BelowMinimum") && !isSnakeCase("below__minimum"))
        #expect(!isSnakeCase("_below") && !isSnakeCase("below-minimum") && !isSnakeCase(""))
    }

    @Test("Messages say what was refused, with amounts as people read them")
    func messages() {
        #expect(PurchaseRefusal.belowMinimum(Money(cents: 499)).message == "$4.99 is below the minimum purchase of $5.00")
        #expect(PurchaseRefusal.notWholeCents(Money(nanos: 5_001_000_000)).message == "a card payment is whole cents (got $5.001)")
        #expect(
            PurchaseRefusal.aboveMaximum(amount: Money(dollars: 200), maximum: Money(dollars: 100)).message
                == "$200.00 is above this account's maximum purchase of $100.00")
        #expect(GrantRefusal.aboveMaximum(Money(dollars: 2_000_000)).message == "$2000000.00 is above the largest grant of $1000000.00")
        #expect(
            ChargeRefusal.contextWindowExceeded(field: "input", tokens: 16_386, limit: 16_385).message
                == "16386 input tokens exceed the model's limit of 16385")
        #expect(ChargeRefusal.noPriceForTier(model: "gpt-4", tier: .priority).message == "the price book has no priority prices for 'gpt-4'")
        #expect(
            ChargeRefusal.invalidUsage(InvalidUsageFixture.negativeInput).message
                == "invalid token counts: input: must not be negative (got -1)")
    }

    @Test(
        "Purchase checks run in order: positive, whole cents, at least the minimum",
        arguments: [
            (Int64(0), PurchaseRefusal?.some(.amountNotPositive(.zero))),
            (-5 * dollar, .amountNotPositive(Money(dollars: -5))),
            (-1, .amountNotPositive(Money(nanos: -1))),  // negative and not whole cents: positive first
            (4_999_000_001, .notWholeCents(Money(nanos: 4_999_000_001))),  // below minimum too: whole cents first
            (5_000_000_001, .notWholeCents(Money(nanos: 5_000_000_001))),
            (1, .notWholeCents(Money(nanos: 1))),
            (499 * 10_000_000, .belowMinimum(Money(cents: 499))),
            (10_000_000, .belowMinimum(Money(cents: 1))),
            (5 * dollar, nil),
            (100 * dollar, nil),
            (1_000_000 * dollar, nil),  // the account's maximum is checked by the store, not here
        ] as [(Int64, PurchaseRefusal?)])
    func purchaseChecks(nanos: Int64, refusal: PurchaseRefusal?) {
        #expect(PurchaseRefusal.check(amount: Money(nanos: nanos)) == refusal)
    }

    @Test(
        "Grant checks run in order: positive, at most the ceiling, expiry after the grant",
        arguments: [
            (Int64(0), grantedAt, GrantRefusal?.some(.amountNotPositive(.zero))),
            (-1, grantedAt, .amountNotPositive(Money(nanos: -1))),  // expiry bad too: amount first
            (1_000_000 * dollar + 1, grantedAt, .aboveMaximum(Money(nanos: 1_000_000 * dollar + 1))),
            (dollar, grantedAt, .expiryNotAfterGrant(grantedAt: grantedAt, expiresAt: grantedAt)),
            (dollar, utc(2026, 10, 4), .expiryNotAfterGrant(grantedAt: grantedAt, expiresAt: utc(2026, 10, 4))),
            (dollar, Timestamp(milliseconds: grantedAt.milliseconds + 1), nil),
            (1, utc(2027, 1, 1), nil),  // a grant need not be whole cents
            (1_000_000 * dollar, utc(2027, 1, 1), nil),
        ] as [(Int64, Timestamp, GrantRefusal?)])
    func grantChecks(nanos: Int64, expiresAt: Timestamp, refusal: GrantRefusal?) {
        #expect(GrantRefusal.check(amount: Money(nanos: nanos), at: grantedAt, expiresAt: expiresAt) == refusal)
    }

    @Test(
        "Account names: empty, too long, NUL, control characters, invisible or bidirectional characters, then a leading '@', in that order",
        arguments: [
            ("", "the name is empty"),
            (String(repeating: "a", count: 257), "the name is longer than 256 characters"),
            ("@" + String(repeating: "\u{7}", count: 300), "the name is longer than 256 characters"),
            ("nul\u{0}\u{7}", "the name holds a NUL character (U+0000), which would end the text where it is printed"),
            ("acme\ncorp", "the name contains control characters"),
            ("tab\there", "the name contains control characters"),
            ("del\u{7F}", "the name contains control characters"),
            ("@acme\u{1B}\u{202E}", "the name contains control characters"),
            ("\u{FEFF}acme", hidden("FEFF")),
            ("acme\u{202E}moc.exe", hidden("202E")),
            ("ac\u{200B}me", hidden("200B")),
            ("ac\u{200D}me", hidden("200D")),
            ("acme\u{2066}", hidden("2066")),
            ("acme\u{200F}", hidden("200F")),
            ("acme\u{00AD}", hidden("00AD")),
            ("acme\u{2028}corp", hidden("2028")),
            ("acme\u{FE0F}", hidden("FE0F")),
            ("acme\u{E0041}", hidden("E0041")),
            ("@ac\u{2060}me", hidden("2060")),
            ("@ledger", "names starting with '@' are reserved for the ledger's own accounts"),
            ("@", "names starting with '@' are reserved for the ledger's own accounts"),
        ])
    func accountNameProblems(name: String, problem: String) {
        #expect(AccountRefusal.nameProblem(name) == problem)
    }

    @Test("A NUL is refused in every name and field: attribution, ids, models, account and tier names")
    func nulEverywhere() {
        let nul = "cut\u{0}here"
        let reason = "it holds a NUL character (U+0000), which would end the text where it is printed"
        let base = ChargeRequest(account: "acme", model: "gpt-4o", input: 1, output: 1, at: grantedAt)
        for field in ["project", "api_key", "user", "id", "model"] {
            var request = base
            switch field {
            case "project": request.project = nul
            case "api_key": request.apiKey = nul
            case "user": request.user = nul
            case "id": request.requestID = nul
            default: request.model = nul
            }
            #expect(request.attributionProblem() == .invalidAttribution(field: field, reason: reason), "\(field)")
        }
        #expect(Identifier.problem(nul) == reason)
        #expect(Identifier.problem("fine \u{202E} id") == nil)
        #expect(PriceEntry(model: nul, effectiveFrom: .earliest, rates: [:]).problem?.hasPrefix("the model name holds a NUL") == true)
        #expect(AccountRefusal.nameProblem(nul)?.hasPrefix("the name holds a NUL") == true)
        let tiers = [UsageTier(name: nul, minimumPaid: .zero, minimumDaysSinceFirstPayment: 0, monthlyUsageLimit: Money(dollars: 1))]
        #expect(UsageTier.tableProblem(tiers)?.code == "invalid_tier_table")
    }

    @Test(
        "Good account names",
        arguments: [
            "acme", "Acme Corp", "team@example.com", "équipe-3", "e\u{301}quipe", "日本", "株式会社\u{3000}名前", "🚀", "עברית", "عربي",
            String(repeating: "\u{E9}", count: 256), "a",
        ])
    func goodAccountNames(name: String) {
        #expect(AccountRefusal.nameProblem(name) == nil)
    }

    @Test("A pricing refusal becomes the charge refusal for its model")
    func chargeFromPricing() {
        #expect(
            ChargeRefusal(.contextWindowExceeded(field: "output", tokens: 5, limit: 4), model: "gpt-4")
                == .contextWindowExceeded(field: "output", tokens: 5, limit: 4))
        #expect(ChargeRefusal(.noPriceForTier(.flex), model: "gpt-4") == .noPriceForTier(model: "gpt-4", tier: .flex))
    }
}
