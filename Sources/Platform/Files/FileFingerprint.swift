#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What changes when a file is rewritten in place or replaced by a rename: size, modification
/// time and inode, from `stat(2)`. Compare two readings to notice a new version of a file.
public struct FileFingerprint: Hashable, Sendable {
    public let size: Int64
    public let modifiedSeconds: Int64
    public let modifiedNanoseconds: Int64
    public let inode: UInt64

    /// Reads `path`'s fingerprint; nil when the file cannot be stat'ed (missing, no permission).
    public init?(path: String) {
        var info = stat()
        guard unsafe stat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modifiedSeconds = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
        inode = UInt64(info.st_ino)
    }
}
