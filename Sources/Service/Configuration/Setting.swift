/// One setting of `anomaly-service serve`, declared once in ``ServiceConfiguration/settings``.
///
/// Everything an operator meets comes from this declaration: the flag (`--dead-letter`, its
/// aliases and short form), the configuration file key (`dead-letter`) and the TOML types it
/// takes, the environment variable (`ANOMALY_DEAD_LETTER`), the validation (``apply``), the text of
/// `serve --help` and the settings table in docs/OPERATIONS.md (``ServiceConfiguration/settingsTable``).
public struct Setting: Sendable {
    /// What a configuration file may give for the setting.
    public enum FileForm: Sendable, Equatable {
        /// A key whose value has one of these TOML types.
        case value([FileType])
        /// A table of entries (`[thresholds]`, `[kafka]`, `[kafka.consumer]`), named by its path.
        case table(String)
        /// Not read from the file (the file's own path).
        case none
    }

    /// The TOML types a setting's value may have.
    public enum FileType: String, Sendable, Equatable {
        case string, integer, float, boolean
    }

    /// Where the environment gives the setting.
    public enum EnvironmentForm: Sendable, Equatable {
        /// `ANOMALY_<NAME>` (and `ANOMALY_<ALIAS>`).
        case variable
        /// One variable per librdkafka property under this prefix (`ANOMALY_KAFKA_`).
        case properties(prefix: String)
    }

    /// The name: the file key and the long flag; `ANOMALY_` and the name in capitals (with `_`
    /// for `-`) is the environment variable.
    public let name: String
    /// Other names accepted in every form (`brokers` for `bootstrap-server`).
    public let aliases: [String]
    /// The one-letter flag, where the Kafka tools (kcat) have one.
    public let short: Character?
    /// What the value looks like, for help (`N`, `HOST:PORT[,...]`).
    public let placeholder: String
    /// The default, as documentation (the value itself is ``ServiceConfiguration``'s).
    public let defaultText: String
    /// One sentence for `--help` and the docs.
    public let help: String
    public let file: FileForm
    public let environment: EnvironmentForm
    /// Whether the flag may be given more than once (each adds an entry).
    public let repeatable: Bool
    /// The value a flag given without one stands for (`--explain` is 5, `--pin-threads` is true);
    /// nil when a value is required.
    public let implicitValue: String?
    /// A flag that sets the setting to `false` (`--no-pin`).
    public let negation: String?
    /// Validates `text` and stores it; `source` names where it came from in errors.
    let apply: @Sendable (inout ServiceConfiguration, _ text: String, _ source: String) throws(ServiceError) -> Void

    init(
        _ name: String,
        aliases: [String] = [],
        short: Character? = nil,
        placeholder: String,
        default defaultText: String,
        help: String,
        file: FileForm,
        environment: EnvironmentForm = .variable,
        repeatable: Bool = false,
        implicitValue: String? = nil,
        negation: String? = nil,
        apply: @escaping @Sendable (inout ServiceConfiguration, String, String) throws(ServiceError) -> Void
    ) {
        self.name = name
        self.aliases = aliases
        self.short = short
        self.placeholder = placeholder
        self.defaultText = defaultText
        self.help = help
        self.file = file
        self.environment = environment
        self.repeatable = repeatable
        self.implicitValue = implicitValue
        self.negation = negation
        self.apply = apply
    }

    /// The setting's names: its own first, then its aliases.
    public var names: [String] { [name] + aliases }

    /// The environment variables that set it (`ANOMALY_BOOTSTRAP_SERVER`, `ANOMALY_BROKERS`), or the
    /// prefix of its family of variables.
    public var environmentVariables: [String] {
        switch environment {
        case .variable: names.map(Self.variable(for:))
        case .properties(let prefix): [prefix + "<PROPERTY>"]
        }
    }

    /// `ANOMALY_` and `name` in capitals with `_` for `-`.
    static func variable(for name: String) -> String {
        "ANOMALY_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}
