import Synchronization

/// A block of `Atomic<Int>` words laid out so that each group of words sits alone on its own
/// cache line.
///
/// Swift has no `alignas`, and class instances are only 16-byte aligned, so padding fields in a
/// class cannot guarantee that two atomics land on different cache lines. This type allocates
/// `lines * cacheLineSize` bytes aligned to ``cacheLineSize`` instead, and hands out pointers to
/// word `word` of line `line`. The rings keep the producer's index on one line and the
/// consumers' index on another, so a push never invalidates the line a take reads, and vice versa.
///
/// ### Implementation Notes
///
/// The memory is bound to `Atomic<Int>` for its whole lifetime and every word is initialized to
/// zero (or the given value) before the block is published, so the pointers it returns are
/// always valid while the owner (a ring) is alive. `Atomic` is `~Copyable` and must not move:
/// accessing it through `pointee` borrows it in place.
@usableFromInline @safe
package struct _CacheLineAtomics: ~Copyable {
    /// Words per cache line (8 on 64-bit targets).
    @usableFromInline
    package static var wordsPerLine: Int { cacheLineSize / MemoryLayout<Atomic<Int>>.stride }

    @usableFromInline
    let base: UnsafeMutablePointer<Atomic<Int>>

    /// The number of cache lines in the block.
    package let lines: Int

    /// Allocates `lines` cache lines of zeroed atomic words.
    /// - Parameter lines: The number of cache lines; each holds ``wordsPerLine`` words.
    package init(lines: Int) {
        precondition(lines > 0, "at least one cache line")
        let words = lines * Self.wordsPerLine
        let raw = UnsafeMutableRawPointer.allocate(byteCount: lines * cacheLineSize, alignment: cacheLineSize)
        let typed = unsafe raw.bindMemory(to: Atomic<Int>.self, capacity: words)
        for index in 0..<words {
            unsafe (typed + index).initialize(to: Atomic(0))
        }
        unsafe self.base = typed
        self.lines = lines
    }

    deinit {
        // `Atomic<Int>` is trivially destructible: deallocating without deinitializing is fine.
        unsafe UnsafeMutableRawPointer(base).deallocate()
    }

    /// The atomic word `word` on cache line `line`.
    @inlinable @inline(__always)
    package func word(_ word: Int, onLine line: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        unsafe base + (line * Self.wordsPerLine + word)
    }

    /// The address of the first word, for layout checks in tests.
    package var _baseAddress: UInt { unsafe UInt(bitPattern: base) }
}
