import Platform
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
        let observed = Collected<(name: String?, cpus: [Int])>((nil, []))
        let thread = try PinnedThread(name: "ring-test-pin", cpu: cpu) {
            observed.set((PinnedThread.currentName, (try? CPUSet.allowed().cpus) ?? []))
        }
        thread.join()
        #expect(observed.value.name == "ring-test-pin")
        #expect(observed.value.cpus == [cpu])
        #expect(thread.cpu == cpu)
    }

    @Test func unpinnedThreadKeepsTheProcessCPUSet() throws {
        let allowed = try CPUSet.allowed()
        let observed = Collected<[Int]>([])
        let thread = try PinnedThread(name: "ring-test-free", cpu: nil) {
            observed.set((try? CPUSet.allowed().cpus) ?? [])
        }
        thread.join()
        #expect(observed.value == allowed.cpus)
    }

    @Test func longNamesAreCutTo15BytesOnACharacterBoundary() throws {
        let observed = Collected<String?>(nil)
        let thread = try PinnedThread(name: "worker-é-1234567890", cpu: nil) {
            observed.set(PinnedThread.currentName)
        }
        thread.join()
        #expect(observed.value == "worker-é-12345")
        #expect(observed.value?.utf8.count == 15)
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
