import Foundation

/// CPU time of other processes, read from `/proc/<pid>/stat` as an outside observer sees it.
///
/// A process counts its user and system time, and that of the children it has reaped; with
/// `descendants`, also every live (or zombie) process below it, for subjects that run workers of
/// their own (the Python seed). A zombie keeps its times until it is reaped, so a subject that
/// exits on its own can still be read until ``ChildProcess/terminate(timeoutSeconds:)`` reaps it.
enum ProcessCPU {
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    struct Stat {
        var pid: Int32
        var parent: Int32
        /// `R`, `S`, `Z`, ... (`man 5 proc`).
        var state: Character
        /// utime + stime + cutime + cstime, in clock ticks.
        var ticks: Int
    }

    /// The process's own line, nil once it is gone (reaped).
    static func stat(_ pid: Int32) -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
        // cmajflt utime stime cutime cstime ...; comm may hold spaces, hence the last ')'.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
        let ticks = fields[11...14].reduce(0) { $0 + (Int($1) ?? 0) }
        return Stat(pid: pid, parent: parent, state: state, ticks: ticks)
    }

    /// CPU seconds of `pid`, with all its descendants when asked; nil when it is gone.
    static func seconds(_ pid: Int32, descendants: Bool = false) -> Double? {
        guard let own = stat(pid) else { return nil }
        guard descendants else { return Double(own.ticks) / ticksPerSecond }
        let all =
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init)
            .compactMap(stat) ?? []
        let children = Dictionary(grouping: all, by: \.parent)
        var ticks = own.ticks
        var pending = [pid]
        while let next = pending.popLast() {
            for child in children[next] ?? [] {
                ticks += child.ticks
                pending.append(child.pid)
            }
        }
        return Double(ticks) / ticksPerSecond
    }

    /// Whether `pid` has exited (a zombie, or reaped).
    static func hasExited(_ pid: Int32) -> Bool {
        guard let own = stat(pid) else { return true }
        return own.state == "Z" || own.state == "X"
    }
}
