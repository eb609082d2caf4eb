import Inference
import Logging
import Platform
import SchemaRegistry

extension ServiceConfiguration {
    /// The workers' options from these settings: thresholds, explanations, carried headers, and
    /// the input and output formats with what they need: the registry client, the `avro-schema`
    /// file's decoder, and the prediction schema's registry id (registered here, waiting for the
    /// registry as `wait-for-broker` waits for the broker).
    ///
    /// - Throws: ``ServiceError`` `.configuration` naming the setting (a bad `avro-field`, an
    ///   `avro-schema` file that cannot be read or used, a registry URL the client refuses),
    ///   `.startup` when the registry refuses the prediction schema or never answers in time.
    public func processorOptions(logger: Logger) throws(ServiceError) -> ProcessorOptions {
        var mapping = AvroFieldMapping.default
        for entry in avroFields {
            do {
                try mapping.apply(entry)
            } catch {
                throw .configuration("avro-field '\(entry)': \(error.reason)")
            }
        }
        var client: SchemaRegistryClient?
        if !schemaRegistryURLs.isEmpty {
            do {
                client = try SchemaRegistryClient(configuration: registryConfiguration)
            } catch {
                throw .configuration("schema-registry: \(error.description)")
            }
        }
        var decoding = RequestDecoding(format: inputFormat)
        if let client, inputFormat == .auto || inputFormat == .avro {
            decoding.catalog = AvroSchemaCatalog(client: client, mapping: mapping, logger: logger)
        }
        if let avroSchemaFile {
            decoding.localDecoder = try Self.localDecoder(avroSchemaFile, mapping: mapping)
        }
        var predictions = PredictionFormat.json
        if outputFormat == .avro, let client {
            predictions = .avro(schemaID: try registerPredictionSchema(client, logger: logger))
        }
        return ProcessorOptions(
            routes: routeThresholds,
            explain: explain,
            headers: HeaderCarrier(extra: carryHeaders),
            decoding: decoding,
            predictions: predictions,
            shadowRecords: shadowOutput != nil
        )
    }

    /// The registry client's settings.
    public var registryConfiguration: SchemaRegistryConfiguration {
        var registry = SchemaRegistryConfiguration(urls: schemaRegistryURLs)
        registry.basicAuth = schemaRegistryBasicAuth
        registry.caLocation = schemaRegistryCA
        registry.certificateLocation = schemaRegistryCertificate
        registry.keyLocation = schemaRegistryKey
        registry.timeoutMilliseconds = schemaRegistryTimeoutMilliseconds
        return registry
    }

    private static func localDecoder(
        _ path: String,
        mapping: AvroFieldMapping
    ) throws(ServiceError) -> AvroRequestDecoder {
        do {
            let bytes = try FileContents.read(
                path,
                maxBytes: AvroSchemaLimits.default.maxSchemaBytes,
                kind: "Avro schema"
            )
            let schema = try AvroSchema(parsing: bytes)
            return try AvroRequestDecoder(writerSchema: schema, mapping: mapping)
        } catch let error as PlatformError {
            throw .configuration("avro-schema '\(path)': \(error.description)")
        } catch let error as InferenceError {
            throw .configuration("avro-schema '\(path)': \(error.reason)")
        } catch {
            throw .configuration("avro-schema '\(path)': \(error)")
        }
    }

    /// Registers ``PredictionSchema`` under `<output>-value`, retrying while the registry is
    /// unavailable (for `wait-for-broker` seconds; 0: until it answers).
    private func registerPredictionSchema(_ client: SchemaRegistryClient, logger: Logger) throws(ServiceError) -> UInt32
    {
        let subject = PredictionSchema.subject(forTopic: output)
        let deadline =
            waitForBrokerSeconds > 0 ? MonotonicDeadline.after(.milliseconds(Int64(waitForBrokerSeconds * 1_000))) : nil
        var attempt = 0
        while true {
            attempt += 1
            do {
                let id = try client.register(subject: subject, schema: PredictionSchema.text)
                logger.info("predictions are Avro: schema \(id) under subject '\(subject.escapedForLog)'")
                return id
            } catch  where error.code == .unavailable {
                if let deadline, deadline.hasPassed {
                    throw .startup(
                        "the schema registry did not answer within \(waitForBrokerSeconds) s: \(error.description)"
                    )
                }
                logger.warning(
                    "waiting for the schema registry to register the prediction schema (attempt \(attempt)): \(error.description.escapedForLog)"
                )
                sleepThread(for: .seconds(1))
            } catch {
                throw .startup(
                    "the schema registry refused the prediction schema under '\(subject)': \(error.description)"
                )
            }
        }
    }
}
