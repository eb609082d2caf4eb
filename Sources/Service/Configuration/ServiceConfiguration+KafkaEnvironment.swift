extension ServiceConfiguration {
    /// The environment's librdkafka properties: one variable per property, named as in Confluent's
    /// Docker images. `ANOMALY_KAFKA_CONSUMER_<NAME>` and `ANOMALY_KAFKA_PRODUCER_<NAME>` set one
    /// client's property, `ANOMALY_KAFKA_<NAME>` both; `<NAME>` is the property in capitals with `_`
    /// for `.`, `__` for `_` and `___` for `-` (`ANOMALY_KAFKA_SASL_PASSWORD` is `sasl.password`).
    ///
    /// A value is taken whole, commas and `=` included: the former `ANOMALY_KAFKA="k=v,k=v"` split
    /// on commas, so a broker list or a JAAS configuration came apart (and parts of a password
    /// showed up in errors). That variable is now refused, naming its replacement.
    mutating func applyKafkaProperties(environment: [String: String]) throws(ServiceError) {
        if environment["ANOMALY_KAFKA"] != nil {
            throw .configuration(
                "environment ANOMALY_KAFKA: the comma-separated list is no longer read (a comma inside a value made it ambiguous); set one variable per property, e.g. ANOMALY_KAFKA_SASL_PASSWORD for sasl.password (docs/OPERATIONS.md)"
            )
        }
        // Sorted: the order of the environment is unspecified, and the lists keep the order given.
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) {
            if let name = variable.droppingPrefix("ANOMALY_KAFKA_CONSUMER_") {
                kafkaConsumer.append(try Self.property(name, variable: variable) + "=" + value)
            } else if let name = variable.droppingPrefix("ANOMALY_KAFKA_PRODUCER_") {
                kafkaProducer.append(try Self.property(name, variable: variable) + "=" + value)
            } else if let name = variable.droppingPrefix("ANOMALY_KAFKA_") {
                kafka.append(try Self.property(name, variable: variable) + "=" + value)
            }
        }
    }

    /// The librdkafka property a variable's `<NAME>` stands for: lower case, and a run of one, two or
    /// three `_` is `.`, `_` or `-`. Longer runs and empty names are refused rather than guessed.
    static func property(_ name: Substring, variable: String) throws(ServiceError) -> String {
        var property = ""
        var underscores = 0
        func flush() throws(ServiceError) {
            switch underscores {
            case 0: break
            case 1: property += "."
            case 2: property += "_"
            case 3: property += "-"
            default:
                throw .configuration(
                    "environment \(variable): \(underscores) underscores in a row stand for no property name (_ is '.', __ '_', ___ '-')"
                )
            }
            underscores = 0
        }
        for character in name {
            if character == "_" {
                underscores += 1
            } else {
                try flush()
                property.append(contentsOf: character.lowercased())
            }
        }
        try flush()
        guard !property.isEmpty, !property.hasPrefix("."), !property.hasSuffix(".") else {
            throw .configuration("environment \(variable): no librdkafka property name after the prefix")
        }
        return property
    }
}
