#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A regular file opened for reading whole: a model, a configuration or a properties file.
///
/// What an operator's typo needs is checked before anything is read: a directory, a device or a
/// pipe is refused (`stat` first, since opening a FIFO blocks until a writer comes), and the caller
/// sees ``size`` before it reads, to refuse a file far larger than such a file can be in its own
/// words. Errors name the file as the caller describes it.
public struct FileContents: ~Copyable {
    private let descriptor: Int32
    private let name: String
    /// The size of the file opened (a rename after the first `stat` may have replaced it).
    public let size: Int

    /// Opens the regular file at `path`, following links.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - name: how errors name it (`/srv/a.model`, `configuration file '/etc/a.toml'`).
    /// - Throws: ``PlatformError`` ``PlatformError/Code/file``: `cannot read NAME: is a directory`,
    ///   `...: not a regular file`, or the system's reason (`No such file or directory`).
    public init(opening path: String, name: String) throws(PlatformError) {
        var status = stat()
        if unsafe stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { throw .file("cannot read \(name): is a directory") }
            if status.st_mode & S_IFMT != S_IFREG { throw .file("cannot read \(name): not a regular file") }
        }
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .file("cannot read \(name)", error: errno) }
        guard unsafe fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            let error = errno
            close(descriptor)
            throw .file("cannot read \(name): not a regular file", error: error)
        }
        self.descriptor = descriptor
        self.name = name
        self.size = Int(status.st_size)
    }

    deinit {
        close(descriptor)
    }

    /// The whole file: ``size`` bytes, or fewer if it shrank; one that grew while read is refused,
    /// not cut.
    public consuming func readAll() throws(PlatformError) -> [UInt8] {
        // One byte more than the size seen tells a file that grew from one that did not.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while filled < bytes.count {
            let count = unsafe bytes.withUnsafeMutableBytes { buffer in
                unsafe Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .file("cannot read \(name)", error: errno) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= size else { throw .file("\(name) changed while it was read") }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// The bytes of the regular file at `path`, refused when it is larger than `maxBytes`.
    ///
    /// - Throws: ``PlatformError`` ``PlatformError/Code/file`` naming the file (`KIND 'PATH'`).
    public static func read(_ path: String, maxBytes: Int, kind: String) throws(PlatformError) -> [UInt8] {
        let file = try FileContents(opening: path, name: "\(kind) '\(path)'")
        guard file.size <= maxBytes else {
            throw .file("\(kind) '\(path)' is \(file.size) bytes, over the limit of \(maxBytes) bytes")
        }
        return try file.readAll()
    }
}
