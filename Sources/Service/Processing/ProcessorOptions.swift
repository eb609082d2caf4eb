/// What ``InferenceProcessor`` does besides scoring: thresholds per route, explanations, the
/// headers predictions carry, how message values are read and how predictions are written.
/// One value for every worker of a pipeline.
public struct ProcessorOptions: Sendable {
    /// Thresholds per path prefix (`--threshold`).
    public var routes = RouteThresholds()
    /// Top terms explaining anomalous predictions (0: none; linear models only).
    public var explain = 0
    /// Input headers predictions carry.
    public var headers = HeaderCarrier()
    /// How message values become requests.
    public var decoding = RequestDecoding()
    /// How predictions are written.
    public var predictions = PredictionFormat.json
    /// With a shadow model: its verdicts become records of their own (`shadow-output`) instead of
    /// a field of each prediction.
    public var shadowRecords = false

    public init(
        routes: RouteThresholds = RouteThresholds(),
        explain: Int = 0,
        headers: HeaderCarrier = HeaderCarrier(),
        decoding: RequestDecoding = RequestDecoding(),
        predictions: PredictionFormat = .json,
        shadowRecords: Bool = false
    ) {
        self.routes = routes
        self.explain = explain
        self.headers = headers
        self.decoding = decoding
        self.predictions = predictions
        self.shadowRecords = shadowRecords
    }
}

/// How predictions are written (docs/CONTRACT.md, "Output (prediction) message").
public enum PredictionFormat: Sendable, Equatable {
    /// One JSON object.
    case json
    /// The prediction schema (``PredictionSchema``) as Avro in the Confluent wire format, under
    /// the registry's id for it.
    case avro(schemaID: UInt32)
}
