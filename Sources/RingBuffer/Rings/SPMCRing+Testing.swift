extension SPMCRing {
    /// Addresses of the producer index, consumer index and closed flag, for layout tests.
    package var _indexAddresses: (tail: UInt, head: UInt, closed: UInt) {
        unsafe (
            UInt(bitPattern: indices.word(0, onLine: 0)),
            UInt(bitPattern: indices.word(0, onLine: 1)),
            UInt(bitPattern: indices.word(0, onLine: 2))
        )
    }

    /// How many times the producer parked in ``push(_:timeout:)``.
    package var _producerParkCount: Int { notFull.parkCount }
}
