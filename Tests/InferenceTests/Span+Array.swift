extension Span {
    /// The elements as an array, for comparisons in tests.
    var array: [Element] { indices.map { self[$0] } }
}
