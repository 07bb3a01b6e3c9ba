import Foundation
import PackagePlugin

/// Embeds every `.csv` file in a target's folder as a string constant of `enum EmbeddedText`,
/// named like SwiftPM's `PackageResources` (`trace_conv.csv` → `EmbeddedText.trace_conv_csv`).
///
/// Why not `resources: [.embedInCode(...)]`: SwiftPM writes the bytes as a `[UInt8]` array
/// literal, and a 700 KB one takes the compiler many minutes and gigabytes (in every debug,
/// sanitizer and release build); the same text as one raw string literal compiles in a second.
/// The target lists the files in `exclude:`, so SwiftPM leaves them to this plugin.
@main
struct EmbedText: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = target.directoryURL
        let inputs = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "csv" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !inputs.isEmpty else { return [] }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedText.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.map(\.lastPathComponent).joined(separator: ", ")) in \(target.name)",
                executable: try context.tool(named: "EmbedTextTool").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
