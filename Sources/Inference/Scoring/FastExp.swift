/// A branch-free `exp` for the RBF kernel matrix, written so the compiler vectorises the loop.
///
/// Implementation notes: `exp(x) = 2ⁿ · exp(r)` with `n = round(x · log₂e)` and
/// `r = x − n · ln 2` (ln 2 split in a high and a low part, Cody–Waite), `|r| ≤ ln 2 / 2`;
/// `exp(r)` by its degree-6 Taylor polynomial (truncation error below 1.3e-7 relative), and `2ⁿ`
/// built in the exponent bits. Arguments are clamped to `[-87, 0]`: kernel arguments are never
/// positive, and below −87 the result would be subnormal (it is then about 1.6e-38 instead of 0,
/// which no decision value can notice).
enum FastExp {
    /// `exp(min(max(x, -87), 0))`, relative error about 2e-7.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87), 0)
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        let r = (clamped - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Float(bitPattern: UInt32(bitPattern: Int32(n) &+ 127) << 23)
        return p * scale
    }

    /// `values[i] = exp(min(values[i] − offset − rowTerm[j], 0))` over a `[rows, columns]` block,
    /// where `rowTerm` has `columns` entries: the fused RBF step after the GEMM.
    static func applyKernel(
        _ values: UnsafeMutablePointer<Float>,
        rows: Int,
        columns: Int,
        rowOffsets: UnsafePointer<Float>,
        columnOffsets: UnsafePointer<Float>
    ) {
        for row in 0..<rows {
            let line = unsafe values + row * columns
            let offset = unsafe rowOffsets[row]
            for column in 0..<columns {
                unsafe line[column] = exp(line[column] - offset - columnOffsets[column])
            }
        }
    }
}
