extension ServiceConfiguration {
    /// The librdkafka property a variable's `<NAME>` stands for, named as in Confluent's Docker
    /// images (`ANOMALY_KAFKA_SASL_PASSWORD` is `sasl.password`); its value is taken whole, commas
    /// and `=` included.
    ///
    /// The librdkafka property a variable's `<NAME>` stands for: lower case, and a run of one, two or
    /// three `_` is `.`, `_` or `-`. Longer runs and empty names are refused rather than guessed.
    package static func property(_ name: Substring, variable: String) throws(ServiceError) -> String {
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
