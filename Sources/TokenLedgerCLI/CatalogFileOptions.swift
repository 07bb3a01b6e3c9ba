import ArgumentParser

/// The price catalog a `prices import` or `prices diff` reads, and its format.
struct CatalogFileOptions: ParsableArguments {
    @Argument(help: "The catalog file (JSON).") var file: String
    @Option(
        help: ArgumentHelp(
            "The catalog's format: litellm (the only one, the default). Deprecated: a first --format naming it, "
                + "as in `--format litellm --format json`.",
            valueName: "format"))
    var inputFormat: CatalogFormat?
}
