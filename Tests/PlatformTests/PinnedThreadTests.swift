import Platform
import Synchronization
import Testing

@Suite struct PinnedThreadTests {
    @Test func allowedCPUSetIsNonEmptyAndRoundRobins() throws {
        let allowed = try CPUSet.allowed()
        #expect(allowed.count >= 1)
        #expect(allowed.cpu(forThread: 0) == allowed.cpus[0])
        #expect(allowed.cpu(forThread: allowed.count) == allowed.cpus[0])
    }

    @Test func threadIsNamedAndPinnedToTheRequestedCPU() throws {
        let allowed = try CPUSet.allowed()
        let cpu = allowed.cpus.last!
        let observed = Mutex<(name: String?, cpus: [Int])>((nil, []))
        let thread = try PinnedThread(name: "ring-test-pin", cpu: cpu) {
            let value = (PinnedThread.currentName, (try? CPUSet.allowed().cpus) ?? [])
            observed.withLock { $0 = value }
        }
        thread.join()
        #expect(observed.withLock { $0 }.name == "ring-test-pin")
        #expect(observed.withLock { $0 }.cpus == [cpu])
        #expect(thread.cpu == cpu)
    }

    @Test func unpinnedThreadKeepsTheProcessCPUSet() throws {
        let allowed = try CPUSet.allowed()
        let observed = Mutex<[Int]>([])
        let thread = try PinnedThread(name: "ring-test-free", cpu: nil) {
            let value = (try? CPUSet.allowed().cpus) ?? []
            observed.withLock { $0 = value }
        }
        thread.join()
        #expect(observed.withLock { $0 } == allowed.cpus)
    }

    @Test func longNamesAreCutTo15BytesOnACharacterBoundary() throws {
        let observed = Mutex<String?>(nil)
        let thread = try PinnedThread(name: "worker-é-1234567890", cpu: nil) {
            let value = PinnedThread.currentName
            observed.withLock { $0 = value }
        }
        thread.join()
        #expect(observed.withLock { $0 } == "worker-é-12345")
        #expect(observed.withLock { $0 }?.utf8.count == 15)
        #expect(thread.name == "worker-é-1234567890")
    }

    @Test func pinningToADisallowedCPUThrows() throws {
        let allowed = try CPUSet.allowed()
        let outside = (0..<CPUSet.maximumCPUCount).first { !allowed.contains($0) }
        guard let outside else { return }
        #expect(throws: PlatformError.self) {
            _ = try PinnedThread(name: "never", cpu: outside) {}
        }
        do {
            _ = try PinnedThread(name: "never", cpu: outside) {}
        } catch {
            #expect(error.code == .cpuNotAllowed)
        }
    }
}
