import Inference

/// How a pipeline's workers turn message values into requests: the input format, and for Avro
/// the shared schema catalog (registry) or the local writer schema. Shared by every worker;
/// each builds its own ``RequestReader`` from it.
public struct RequestDecoding: Sendable {
    public var format: InputFormat
    /// Writer schemas by registry id; nil without a registry.
    public var catalog: AvroSchemaCatalog?
    /// The decoder of `avro-schema`'s writer schema, for records without the wire header.
    public var localDecoder: AvroRequestDecoder?

    /// `auto` without a registry: JSON objects and access-log lines; a record in the Confluent
    /// wire format is dead-lettered as `noSchemaRegistry`.
    public init(format: InputFormat = .auto, catalog: AvroSchemaCatalog? = nil, localDecoder: AvroRequestDecoder? = nil)
    {
        self.format = format
        self.catalog = catalog
        self.localDecoder = localDecoder
    }
}
