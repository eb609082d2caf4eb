/// Size in bytes of the unit of cache coherence on the machines we target (x86-64, most arm64).
///
/// Atomics written by different threads are kept at least this far apart so that a producer
/// bumping its tail does not invalidate the line a consumer reads its head from (false sharing).
public let cacheLineSize = 64
