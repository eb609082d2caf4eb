#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The decision function evaluated the plain way, one request at a time, in `Double`: the
/// reference the batched path is tested and benchmarked against.
public struct ReferenceScorer: Sendable {
    public let model: SVMModel

    public init(model: SVMModel) {
        self.model = model
    }

    /// The decision value of one feature row of ``SVMModel/dimension`` floats.
    public func decision(_ row: Span<Float>) -> Double {
        precondition(row.count == model.dimension, "row has \(row.count) floats, not \(model.dimension)")
        return unsafe row.withUnsafeBufferPointer { row in unsafe decision(row) }
    }

    /// The reference's loops over the row's buffer, unchecked.
    private func decision(_ row: UnsafeBufferPointer<Float>) -> Double {
        let dimension = model.dimension
        switch model.kernel {
        case .linear:
            var sum = 0.0
            for index in 0..<dimension { sum += Double(unsafe row[index]) * Double(model.weights[index]) }
            return sum + Double(model.intercept)
        case .rbf:
            var sum = 0.0
            unsafe model.supportVectors.withUnsafeBufferPointer { vectors in
                for vector in 0..<model.supportVectorCount {
                    var distance = 0.0
                    let base = vector * dimension
                    for index in 0..<dimension {
                        let difference = Double(unsafe row[index]) - Double(unsafe vectors[base + index])
                        distance += difference * difference
                    }
                    sum += Double(model.dualCoefficients[vector]) * exp(-Double(model.gamma) * distance)
                }
            }
            return sum + Double(model.intercept)
        }
    }

    /// The decision value of `row`. Allocates nothing but is slow: O(n_sv · dim) per call.
    public func decision(_ row: [Float]) -> Double {
        decision(row.span)
    }
}
