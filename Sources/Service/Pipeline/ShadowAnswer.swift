/// The shadow model's side of one prediction (``OutputRecord/shadow``): never the verdict that
/// counts, only compared with it and, with `shadow-output`, sent on as a record of its own.
public struct ShadowAnswer: Sendable, Equatable {
    /// Whether the shadow model called the request anomalous; nil when its score was not finite.
    public var anomalous: Bool?
    /// With `shadow-output`: the record's value (docs/CONTRACT.md, "Shadow verdicts"), sent with
    /// the input's key; nil when verdicts ride in the prediction or the shadow could not score.
    public var value: [UInt8]?

    public init(anomalous: Bool?, value: [UInt8]? = nil) {
        self.anomalous = anomalous
        self.value = value
    }

    /// The agreement counter's `verdict` label for a main verdict `main` and this one, or nil when
    /// the shadow could not score.
    public func agreement(withMain main: Bool) -> ShadowAgreement? {
        guard let anomalous else { return nil }
        switch (main, anomalous) {
        case (true, true): return .bothAnomalous
        case (true, false): return .onlyMain
        case (false, true): return .onlyShadow
        case (false, false): return .bothNormal
        }
    }
}

/// How a shadow verdict compares with the main model's: the `verdict` label of
/// `anomaly_shadow_agreement_total`.
public enum ShadowAgreement: String, Sendable, CaseIterable {
    case bothAnomalous = "both_anomalous"
    case onlyMain = "only_main"
    case onlyShadow = "only_shadow"
    case bothNormal = "both_normal"
}
