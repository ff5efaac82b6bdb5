import ArgumentParser

@main
struct Normlab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normlab",
        abstract: "Study high-norm anomaly tokens in Stable Diffusion U-Net representations.",
        discussion: """
            Extract representations with a Swift U-Net, label 2x2 high-norm patches in a browser, \
            detect anomalies with a mean anomaly token, and exchange labels as NumPy files. \
            Anomalies depend on the noise: labels belong to the features of the run they were made on.
            """,
        subcommands: [
            UNetCommand.self, RepresentCommand.self, ExtractCommand.self, BenchCommand.self,
            DatasetCommand.self, FeaturesCommand.self, LabelsCommand.self, PrototypeCommand.self, DetectCommand.self, SuggestCommand.self, ReportCommand.self, SimilarityCommand.self, ServeCommand.self, DemoCommand.self,
            CompareCommand.self, NormGridCommand.self, SlurmCommand.self, ExperimentsCommand.self, NormImagesCommand.self,
        ]
    )
}
