#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes `text` to standard error in one `write(2)`, unbuffered: safe from any thread, including
/// librdkafka's, and lines from different threads do not interleave below `PIPE_BUF` bytes.
public func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = unsafe write(2, &bytes, bytes.count)
}
