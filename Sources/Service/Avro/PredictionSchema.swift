/// The Avro schema of a prediction (`output-format avro`), registered under the output topic's
/// subject (`<output>-value`, Confluent's TopicNameStrategy). docs/CONTRACT.md shows it with the
/// JSON Schema of the JSON form; field for field the two say the same. `shadow` came last, with a
/// null default, so the schema stays BACKWARD compatible with the one registered before it.
public enum PredictionSchema {
    /// The schema's text, as registered.
    public static let text = """
        {"type":"record","name":"Prediction","namespace":"anomaly.v1","doc":"The anomaly service's verdict on one request (docs/CONTRACT.md).","fields":[\
        {"name":"id","type":"string"},\
        {"name":"anomalous","type":"boolean"},\
        {"name":"score","type":"double"},\
        {"name":"category","type":["null","string"],"default":null},\
        {"name":"part","type":["null","string"],"default":null},\
        {"name":"explanation","type":["null",{"type":"array","items":{"type":"record","name":"Contribution","fields":[\
        {"name":"block","type":"string"},{"name":"feature","type":"string"},{"name":"contribution","type":"double"}]}}],"default":null},\
        {"name":"threshold","type":"double"},\
        {"name":"model","type":"string"},\
        {"name":"source","type":{"type":"record","name":"Source","fields":[\
        {"name":"topic","type":"string"},{"name":"partition","type":"int"},{"name":"offset","type":"long"}]}},\
        {"name":"shadow","type":["null",{"type":"record","name":"ShadowVerdict","fields":[\
        {"name":"score","type":"double"},{"name":"anomalous","type":"boolean"},{"name":"model","type":"string"}]}],"default":null}]}
        """

    /// The subject a prediction schema is registered under for `topic`.
    public static func subject(forTopic topic: String) -> String { topic + "-value" }
}
