import RingBuffer
import Testing

@Suite struct CacheLineTests {
    @Test func cacheLineIsAPowerOfTwoOfAtLeast64Bytes() {
        #expect(cacheLineSize >= 64)
        #expect(cacheLineSize & (cacheLineSize - 1) == 0)
    }
}
