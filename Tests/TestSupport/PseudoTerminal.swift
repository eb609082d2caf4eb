#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pseudo-terminal pair: give a child process the secondary side as a standard stream and it
/// sees a terminal there (`isatty` is true); read what it drew from the primary side.
public final class PseudoTerminal {
    /// The side the test reads, non-blocking.
    public let primary: Int32
    /// The side the child writes to.
    public let secondary: Int32
    private var secondaryOpen = true

    public init() throws {
        // posix_openpt and friends are not visible to Swift: their ioctls, as glibc makes them.
        primary = unsafe open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard primary >= 0, unsafe ioctl(primary, Self.unlockRequest, &unlock) == 0,
            unsafe ioctl(primary, Self.numberRequest, &number) == 0
        else {
            throw TerminalError(reason: "cannot open a pseudo-terminal: errno \(errno)")
        }
        secondary = unsafe open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard secondary >= 0 else { throw TerminalError(reason: "cannot open the terminal's secondary side") }
        // Output as written: no newline translation, no echo.
        var settings = termios()
        if unsafe tcgetattr(secondary, &settings) == 0 {
            unsafe cfmakeraw(&settings)
            _ = unsafe tcsetattr(secondary, TCSANOW, &settings)
        }
        var size = winsize(ws_row: 24, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        _ = unsafe ioctl(secondary, UInt(TIOCSWINSZ), &size)
        _ = fcntl(primary, F_SETFL, fcntl(primary, F_GETFL) | O_NONBLOCK)
    }

    /// `TIOCSPTLCK` and `TIOCGPTN`, `_IOW('T', 0x31, int)` and `_IOR('T', 0x30, unsigned int)` in
    /// Linux's generic encoding (x86-64 and arm64): Swift does not import function-like macros.
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    /// Closes this process's copy of the secondary side (after the child has inherited it).
    public func closeSecondary() {
        if secondaryOpen { close(secondary) }
        secondaryOpen = false
    }

    /// Whatever the child wrote that has not been read yet.
    public func readAvailable() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let got = unsafe buffer.withUnsafeMutableBytes { unsafe read(primary, $0.baseAddress, $0.count) }
            guard got > 0 else { break }
            bytes += buffer[..<got]
        }
        return bytes
    }

    deinit {
        closeSecondary()
        close(primary)
    }

    struct TerminalError: Error {
        let reason: String
    }
}
