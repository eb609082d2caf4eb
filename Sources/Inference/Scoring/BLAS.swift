import COpenBLAS

/// The OpenBLAS calls the scorer makes: the one owner of BLAS calls in this module.
///
/// All matrices are row-major `Float`.
public enum BLAS {
    /// Makes OpenBLAS compute on the calling thread only: every worker scores its own batches, so
    /// BLAS's own threads would only contend for the cores. Call once at start-up.
    public static func useSingleThread() {
        openblas_set_num_threads(1)
    }

    /// `C[m×n] = alpha · A[m×k] · B[k×n]`: the plain sgemm of the peak-throughput reference.
    public static func multiply(
        m: Int,
        n: Int,
        k: Int,
        alpha: Float = 1,
        a: Span<Float>,
        b: Span<Float>,
        c: inout MutableSpan<Float>
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative dimension")
        precondition(
            a.count >= m * k && b.count >= k * n && c.count >= m * n,
            "matrices smaller than \(m)×\(k)·\(k)×\(n)"
        )
        unsafe a.withUnsafeBufferPointer { a in
            unsafe b.withUnsafeBufferPointer { b in
                unsafe c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    unsafe multiply(m: m, n: n, k: k, alpha: alpha, a: a, b: b, c: c)
                }
            }
        }
    }

    /// `C[m×n] = alpha · A[m×k] · B[k×n]`.
    static func multiply(
        m: Int,
        n: Int,
        k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>,
        b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>
    ) {
        unsafe cblas_sgemm(
            CblasRowMajor,
            CblasNoTrans,
            CblasNoTrans,
            blasint(m),
            blasint(n),
            blasint(k),
            alpha,
            a,
            blasint(k),
            b,
            blasint(n),
            0,
            c,
            blasint(n)
        )
    }

    /// `y[m] = A[m×n] · x[n]`.
    static func multiplyVector(
        m: Int,
        n: Int,
        a: UnsafePointer<Float>,
        x: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>
    ) {
        unsafe cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(m), blasint(n), 1, a, blasint(n), x, 1, 0, y, 1)
    }

    /// `y[count] += alpha · x[count]`.
    static func accumulate(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        unsafe cblas_saxpy(blasint(count), alpha, x, 1, y, 1)
    }

    /// `x · y` over `count` floats.
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        unsafe cblas_sdot(blasint(count), x, 1, y, 1)
    }
}
