import Platform
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Progress of a `score` run on standard error, drawn by a thread of its own so that scoring pays
/// for nothing but a few relaxed stores per line: a bar redrawn five times a second on a terminal,
/// or one line every few seconds for a log. Standard output is never touched: it carries the
/// predictions.
final class ScoreProgress: Sendable {
    enum Style: Sendable, Equatable {
        /// A bar on the terminal's last line, redrawn in place.
        case bar
        /// One line per `interval` seconds.
        case lines(interval: Double)
        /// Nothing.
        case none

        /// A bar when standard error is a terminal, lines every `interval` seconds otherwise.
        static func forStandardError(interval: Double) -> Style {
            isatty(STDERR_FILENO) == 1 ? .bar : .lines(interval: interval)
        }
    }

    // Written by the scoring thread only, read by the drawing thread. Relaxed: each is a count
    // shown to a person, and one that lags by a line or a batch is as good; nothing is published
    // through them.
    private let lines = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)
    private let anomalous = Atomic<Int>(0)
    private let unparseable = Atomic<Int>(0)

    private let style: Style
    /// The input's size when it is a regular file: the bar's 100%.
    private let totalBytes: Int?
    private let thread = StoppableThread()
    /// Whether the bar is on the terminal now, so that a message clears it first; held while
    /// either thread writes, so a message and a redraw never interleave.
    private let barShown = Mutex<Bool>(false)
    private let started = MonotonicDeadline.now()

    init(style: Style, totalBytes: Int?) {
        self.style = style
        self.totalBytes = totalBytes.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Starts drawing (nothing for ``Style/none``).
    ///
    /// - Throws: ``PlatformError`` when the thread cannot be created.
    func start() throws(PlatformError) {
        guard style != .none else { return }
        try thread.start(name: "score-progress") { [self] in run() }
    }

    /// The scoring thread's running totals: lines and bytes read.
    func update(lines: Int, bytes: Int) {
        self.lines.store(lines, ordering: .relaxed)
        self.bytes.store(bytes, ordering: .relaxed)
    }

    /// The scoring thread's running totals: anomalous predictions and unparseable lines.
    func update(anomalous: Int, unparseable: Int) {
        self.anomalous.store(anomalous, ordering: .relaxed)
        self.unparseable.store(unparseable, ordering: .relaxed)
    }

    /// Writes `text` (whole lines) to standard error, clearing the bar first; the next redraw
    /// brings it back below.
    func message(_ text: String) {
        barShown.withLock { shown in
            writeToStandardError(shown ? Self.clearLine + text : text)
            shown = false
        }
    }

    /// Stops drawing and clears the bar, before the summary is written.
    func finish() {
        thread.stop()
        barShown.withLock { shown in
            if shown { writeToStandardError(Self.clearLine) }
            shown = false
        }
    }

    private func run() {
        let period: Duration =
            switch style {
            case .bar: .milliseconds(200)
            case .lines(let interval): .nanoseconds(Int64(interval * 1e9))
            case .none: .seconds(1)
            }
        var next = MonotonicDeadline(nanoseconds: started.nanoseconds + period.nanosecondsValue)
        var previous = (time: started, lines: 0)
        while !thread.isStopping {
            let now = MonotonicDeadline.now()
            guard now >= next else {
                // Short naps, so that a stop (the end of the input) is seen within 50 ms.
                sleepThread(for: min(.milliseconds(50), .nanoseconds(next.nanoseconds - now.nanoseconds)))
                continue
            }
            next = MonotonicDeadline(nanoseconds: next.nanoseconds + period.nanosecondsValue)
            if next < now { next = MonotonicDeadline(nanoseconds: now.nanoseconds + period.nanosecondsValue) }
            let snapshot = Snapshot(
                lines: lines.load(ordering: .relaxed),
                bytes: bytes.load(ordering: .relaxed),
                anomalous: anomalous.load(ordering: .relaxed),
                unparseable: unparseable.load(ordering: .relaxed),
                totalBytes: totalBytes,
                seconds: Double(now.nanoseconds(since: started)) / 1e9
            )
            switch style {
            case .bar:
                let text = snapshot.bar(width: Self.terminalWidth())
                barShown.withLock { shown in
                    writeToStandardError("\r" + text + Self.clearToEnd)
                    shown = true
                }
            case .lines:
                let seconds = Double(now.nanoseconds(since: previous.time)) / 1e9
                let rate = seconds > 0 ? Double(snapshot.lines - previous.lines) / seconds : 0
                previous = (now, snapshot.lines)
                message(snapshot.line(rate: rate) + "\n")
            case .none:
                break
            }
        }
    }

    private static let clearToEnd = "\u{1B}[K"
    private static let clearLine = "\r\u{1B}[K"

    /// Columns of the terminal on standard error (80 when it does not say).
    private static func terminalWidth() -> Int {
        var size = winsize()
        guard unsafe ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanosecondsValue: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
