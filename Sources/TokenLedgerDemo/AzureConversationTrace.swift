import TokenLedger

// The Azure LLM inference trace (conversation), bundled for `tokenledger demo`.
//
// Source: Azure Public Dataset, "AzureLLMInferenceTrace_conv.csv" (beside this file), one hour of
// real LLM inference requests (TIMESTAMP,ContextTokens,GeneratedTokens) from Patel et al.,
// "Splitwise: Efficient Generative LLM Inference Using Phase Splitting", ISCA 2024.
// License: Creative Commons Attribution 4.0 International (CC-BY 4.0), see
// LICENSES/LICENSE-AzurePublicDataset. Copied unchanged but for line endings (CRLF to LF).
// Embedded in the binary as a string constant (`EmbeddedText`, by the EmbedText plugin), so a
// copied binary carries it.

extension AzureTrace {
    /// The trace bundled in the binary: one real hour of conversation requests (19,366), as CSV text.
    public static let bundledConversationTrace = EmbeddedText.AzureLLMInferenceTrace_conv_csv
}
