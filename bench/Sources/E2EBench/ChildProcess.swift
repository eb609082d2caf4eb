import Foundation

/// A process the harness starts with `posix_spawnp` and reaps only in
/// ``terminate(timeoutSeconds:)``: until then its `/proc` entry, CPU times included, stays
/// readable even after it exits (Foundation's `Process` reaps at once).
///
/// The child gets default signal dispositions and an empty signal mask, whatever this process
/// blocks, so that SIGTERM reaches it; its stdout and stderr go to `log`.
final class ChildProcess {
    let pid: Int32
    let arguments: [String]
    let log: String
    private var reaped = false

    init(_ arguments: [String], log: String) throws {
        precondition(!arguments.isEmpty, "a process needs a program")
        var actions = unsafe posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        unsafe posix_spawn_file_actions_init(&actions)
        unsafe posix_spawnattr_init(&attributes)
        defer {
            unsafe posix_spawn_file_actions_destroy(&actions)
            unsafe posix_spawnattr_destroy(&attributes)
        }
        unsafe posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        unsafe posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var empty = sigset_t()
        var defaults = sigset_t()
        unsafe sigemptyset(&empty)
        unsafe sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { unsafe sigaddset(&defaults, signal) }
        unsafe posix_spawnattr_setsigmask(&attributes, &empty)
        unsafe posix_spawnattr_setsigdefault(&attributes, &defaults)
        unsafe posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = unsafe arguments.map { unsafe strdup($0) } + [nil]
        let environment = unsafe ProcessInfo.processInfo.environment.map { unsafe strdup("\($0)=\($1)") } + [nil]
        defer {
            var pointers = unsafe argv + environment
            while let pointer = unsafe pointers.popLast() { unsafe free(pointer) }
        }
        var pid: pid_t = 0
        let result = unsafe posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environment)
        guard result == 0 else {
            throw BenchError("cannot start \(arguments[0]): \(unsafe String(cString: strerror(result)))")
        }
        self.pid = pid
        self.arguments = arguments
        self.log = log
    }

    deinit { _ = terminate(timeoutSeconds: 5) }

    /// The log's last lines, for error messages.
    func logTail(lines: Int = 5) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// SIGTERM, then SIGKILL after `timeoutSeconds`; reaps the process and returns its exit status
    /// (128 + signal when a signal ended it). Idempotent.
    @discardableResult
    func terminate(timeoutSeconds: Double) -> Int32 {
        guard !reaped else { return 0 }
        reaped = true
        kill(pid, SIGTERM)
        let deadline = Clock.seconds() + timeoutSeconds
        var status: Int32 = 0
        while unsafe waitpid(pid, &status, WNOHANG) == 0 {
            if Clock.seconds() > deadline {
                kill(pid, SIGKILL)
                unsafe waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
