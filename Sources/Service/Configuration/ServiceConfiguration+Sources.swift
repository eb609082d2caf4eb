extension ServiceConfiguration {
    /// The configuration `serve` runs with: defaults, then the TOML file (`--config` or
    /// `ANOMALY_CONFIG`), then `ANOMALY_*` variables, then flags; the librdkafka properties file
    /// (`kafka-config`) goes under every other librdkafka property. Validated as a whole.
    ///
    /// - Returns: the configuration and warnings for the log (an unknown `ANOMALY_*` variable).
    /// - Throws: ``ServiceError`` naming the flag, file and line, or variable, and the problem.
    public static func resolve(
        arguments: [String],
        environment: [String: String]
    ) throws(ServiceError) -> (configuration: ServiceConfiguration, warnings: [String]) {
        let flags = try parse(arguments: arguments)
        var configuration = ServiceConfiguration()
        // The file first, wherever its path came from: flags and variables override what it sets.
        let configFile = flags.last(where: { $0.setting.name == "config" })?.value ?? environment["ANOMALY_CONFIG"]
        if let configFile {
            try configuration.apply(TOMLDocument(contentsOfFile: configFile), source: configFile)
            configuration.configFile = configFile
        }
        let warnings = try configuration.apply(environment: environment)
        for flag in flags { try flag.setting.apply(&configuration, flag.value, flag.source) }
        try configuration.applyKafkaConfigFile()
        try configuration.validate()
        return (configuration, warnings)
    }

    /// Applies a parsed configuration file: top-level keys are settings, `[thresholds]`, `[kafka]`,
    /// `[kafka.consumer]` and `[kafka.producer]` are the tables of the settings that take entries.
    public mutating func apply(_ document: TOMLDocument, source: String) throws(ServiceError) {
        for entry in document.entries {
            let place = entry.line > 0 ? "\(source):\(entry.line)" : source
            if let (setting, table, rest) = Self.tableSetting(for: entry.path) {
                if rest.isEmpty, entry.value == .emptyTable { continue }
                try setting.apply(&self, try Self.tableEntry(entry, table: table, key: rest, place: place), place)
                continue
            }
            if entry.path.count > 1, let setting = Self.setting(named: entry.path[0]),
                case .value(let types) = setting.file
            {
                throw .configuration("\(place): '\(entry.path[0])' must be \(Self.describe(types)), not a table")
            }
            guard entry.path.count == 1, let setting = Self.setting(named: entry.path[0]),
                case .value(let types) = setting.file
            else {
                throw .configuration("\(place): unknown setting '\(entry.key)'\(Self.suggestion(for: entry.key))")
            }
            guard types.contains(where: { Self.matches(entry.value, $0) }) else {
                throw .configuration(
                    "\(place): '\(entry.key)' must be \(Self.describe(types)), not \(entry.value.typeName) (\(entry.value.quoted))"
                )
            }
            try setting.apply(&self, entry.value.description, place)
        }
    }

    /// Applies the `ANOMALY_*` variables of `environment`, in name order.
    ///
    /// - Returns: a warning for each `ANOMALY_*` variable that names no setting, with the nearest
    ///   one (`ANOMALY_BROKER`: did you mean `ANOMALY_BROKERS`?): a typo must not pass silently,
    ///   and other tools may share the prefix, so it does not stop the service.
    @discardableResult
    public mutating func apply(environment: [String: String]) throws(ServiceError) -> [String] {
        if environment["ANOMALY_KAFKA"] != nil {
            throw .configuration(
                "environment ANOMALY_KAFKA: the comma-separated list is no longer read (a comma inside a value made it ambiguous); set one variable per property, e.g. ANOMALY_KAFKA_SASL_PASSWORD for sasl.password (docs/OPERATIONS.md)"
            )
        }
        var warnings: [String] = []
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("ANOMALY_") {
            if let setting = Self.settingsByVariable[variable] {
                guard setting.name != "config" else { continue }  // read by resolve, before the file
                let values = setting.repeatable ? value.split(separator: ",").map(String.init) : [value]
                for part in values { try setting.apply(&self, part, "environment \(variable)") }
            } else if let (setting, name) = Self.propertyFamily(of: variable) {
                let property = try Self.property(name, variable: variable)
                try setting.apply(&self, property + "=" + value, "environment \(variable)")
            } else {
                warnings.append(
                    "environment \(variable) names no setting and is ignored\(Self.suggestion(for: variable, among: Array(Self.settingsByVariable.keys)))"
                )
            }
        }
        return warnings
    }

    /// Flags in order, each with its setting and value: `--name VALUE`, `--name=VALUE`, `-X VALUE`,
    /// `--flag` alone where the setting has an implicit value, and negations such as `--no-pin`.
    static func parse(arguments: [String]) throws(ServiceError) -> [(setting: Setting, value: String, source: String)] {
        var flags: [(setting: Setting, value: String, source: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            var name: String
            var inline: String? = nil
            if argument.hasPrefix("--") {
                name = String(argument.dropFirst(2))
                if let equals = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
            } else if argument.hasPrefix("-"), argument.count >= 2, let letter = argument.dropFirst().first,
                let setting = settings.first(where: { $0.short == letter })
            {
                name = setting.name
                let rest = argument.dropFirst(2)
                if !rest.isEmpty { inline = String(rest.hasPrefix("=") ? rest.dropFirst() : rest) }
            } else if argument.hasPrefix("-") {
                throw .configuration("unknown flag '\(argument)'")
            } else {
                throw .configuration(
                    "unexpected argument '\(argument)': serve takes only flags (--name value); see serve --help"
                )
            }
            let flag = argument.hasPrefix("--") ? "--" + name : "-" + String(argument.dropFirst().prefix(1))
            if let setting = settings.first(where: { $0.negation == name }) {
                guard inline == nil else { throw .configuration("flag \(flag) takes no value") }
                flags.append((setting, "false", "flag \(flag)"))
                continue
            }
            guard let setting = setting(named: name) else {
                throw .configuration("unknown flag '--\(name)'\(suggestion(for: name, prefix: "--"))")
            }
            if let inline {
                flags.append((setting, inline, "flag \(flag)"))
            } else if index < arguments.count, setting.implicitValue == nil || !looksLikeFlag(arguments[index]) {
                flags.append((setting, arguments[index], "flag \(flag)"))
                index += 1
            } else if let implicit = setting.implicitValue {
                flags.append((setting, implicit, "flag \(flag)"))
            } else {
                throw .configuration("flag \(flag) needs a value (\(setting.placeholder))")
            }
        }
        return flags
    }

    /// Whether `argument` is a flag rather than a value: `--name`, or `-` and a letter (`-5` is a value).
    private static func looksLikeFlag(_ argument: String) -> Bool {
        argument.hasPrefix("--") || (argument.hasPrefix("-") && argument.dropFirst().first?.isLetter == true)
    }

    /// The setting whose table holds `path` (the longest table path wins: `kafka.consumer` over
    /// `kafka`), the table's path, and the rest of `path`.
    private static func tableSetting(for path: [String]) -> (Setting, [String], [String])? {
        var best: (Setting, [String], [String])? = nil
        for setting in settings {
            guard case .table(let name) = setting.file else { continue }
            let table = name.split(separator: ".").map(String.init)
            guard path.starts(with: table), table.count > (best?.1.count ?? 0) else { continue }
            best = (setting, table, Array(path.dropFirst(table.count)))
        }
        return best
    }

    /// A table entry as its setting's `KEY=VALUE` text.
    private static func tableEntry(
        _ entry: TOMLDocument.Entry,
        table: [String],
        key: [String],
        place: String
    ) throws(ServiceError) -> String {
        let name = key.joined(separator: ".")
        guard !name.isEmpty else {
            throw .configuration("\(place): '\(entry.key)' must be a table, not \(entry.value.typeName)")
        }
        if table == ["thresholds"] {
            guard matches(entry.value, .integer) || matches(entry.value, .float) else {
                throw .configuration(
                    "\(place): the threshold for '\(name)' must be a number, not \(entry.value.typeName) (\(entry.value.quoted))"
                )
            }
            return name + "=" + entry.value.description
        }
        if table == ["avro", "fields"] {
            guard case .string(let recordField) = entry.value else {
                throw .configuration(
                    "\(place): the Avro record field for '\(name)' must be a string, not \(entry.value.typeName)"
                )
            }
            return name + "=" + recordField
        }
        switch entry.value {
        case .string, .integer, .float, .boolean:
            return name + "=" + entry.value.description
        case .array(let values) where values.allSatisfy({ if case .array = $0 { false } else { true } }):
            return name + "=" + entry.value.description
        default:
            throw .configuration(
                "\(place): librdkafka property '\(name)' must be a string, number or boolean, not \(entry.value.typeName)"
            )
        }
    }

    /// "an integer or a string".
    private static func describe(_ types: [Setting.FileType]) -> String {
        types.map { "a\($0 == .integer ? "n" : "") \($0.rawValue)" }.joined(separator: " or ")
    }

    private static func matches(_ value: TOMLDocument.Value, _ type: Setting.FileType) -> Bool {
        switch (value, type) {
        case (.string, .string), (.integer, .integer), (.float, .float), (.integer, .float), (.boolean, .boolean):
            true
        default:
            false
        }
    }

    /// The settings by environment variable (aliases included).
    private static let settingsByVariable: [String: Setting] = Dictionary(
        uniqueKeysWithValues: settings.filter { $0.environment == .variable }.flatMap { setting in
            setting.environmentVariables.map { ($0, setting) }
        }
    )

    /// The property-family setting `variable` belongs to (the longest prefix), and the rest of its name.
    private static func propertyFamily(of variable: String) -> (Setting, Substring)? {
        var best: (Setting, Substring, Int)? = nil
        for setting in settings {
            guard case .properties(let prefix) = setting.environment, let rest = variable.droppingPrefix(prefix),
                prefix.count > (best?.2 ?? 0)
            else { continue }
            best = (setting, rest, prefix.count)
        }
        return best.map { ($0.0, $0.1) }
    }
}
