/// One web request as a value: what the input contract carries, plus the offline data set's
/// `label`, `source`, `split` and `attack_type` when present.
///
/// The hot path works on ``ParsedRequest`` storage instead; convert with ``init(_:)`` and
/// ``ParsedRequest/assign(_:)`` (both allocate or copy).
public struct HTTPRequest: Sendable, Equatable {
    public var id: String?
    public var timestamp: Int64?
    public var method: String?
    public var path: String?
    public var query: String?
    public var protocolVersion: String?
    public var body: String?
    public var userAgent: String?
    public var referer: String?
    public var remoteAddress: String?
    /// `true` attack, `false` normal, `nil` unlabelled.
    public var isAttack: Bool?
    public var source: String?
    public var split: String?
    public var attackType: String?

    public init(
        id: String? = nil,
        timestamp: Int64? = nil,
        method: String? = nil,
        path: String? = nil,
        query: String? = nil,
        protocolVersion: String? = nil,
        body: String? = nil,
        userAgent: String? = nil,
        referer: String? = nil,
        remoteAddress: String? = nil,
        isAttack: Bool? = nil,
        source: String? = nil,
        split: String? = nil,
        attackType: String? = nil
    ) {
        self.id = id
        self.timestamp = timestamp
        self.method = method
        self.path = path
        self.query = query
        self.protocolVersion = protocolVersion
        self.body = body
        self.userAgent = userAgent
        self.referer = referer
        self.remoteAddress = remoteAddress
        self.isAttack = isAttack
        self.source = source
        self.split = split
        self.attackType = attackType
    }

    /// A copy of the request held in `parsed`.
    public init(_ parsed: ParsedRequest) {
        self.init(
            id: parsed.string(.id),
            timestamp: parsed.timestamp,
            method: parsed.string(.method),
            path: parsed.string(.path),
            query: parsed.string(.query),
            protocolVersion: parsed.string(.protocolVersion),
            body: parsed.string(.body),
            userAgent: parsed.string(.userAgent),
            referer: parsed.string(.referer),
            remoteAddress: parsed.string(.remoteAddress),
            isAttack: parsed.label < 0 ? nil : parsed.label == 1,
            source: parsed.string(.source),
            split: parsed.string(.split),
            attackType: parsed.string(.attackType)
        )
    }
}

extension ParsedRequest {
    /// Replaces the stored request with `request` (fields cut to their capacities).
    public func assign(_ request: HTTPRequest) {
        reset()
        set(.id, to: request.id)
        set(.method, to: request.method)
        set(.path, to: request.path)
        set(.query, to: request.query)
        set(.protocolVersion, to: request.protocolVersion)
        set(.body, to: request.body)
        set(.userAgent, to: request.userAgent)
        set(.referer, to: request.referer)
        set(.remoteAddress, to: request.remoteAddress)
        set(.source, to: request.source)
        set(.split, to: request.split)
        set(.attackType, to: request.attackType)
        timestamp = request.timestamp
        label = request.isAttack.map { $0 ? 1 : 0 } ?? -1
    }
}
