extension AvroSchema {
    /// The CRC-64-AVRO fingerprint (Avro specification, "Schema Fingerprints") of `text`: a
    /// Rabin fingerprint with the specification's polynomial, the 64-bit fingerprint registries
    /// and single-object encoding use.
    public static func fingerprint(of text: String) -> UInt64 {
        var value = emptyFingerprint
        for byte in text.utf8 {
            value = (value >> 8) ^ fingerprintTable[Int((value ^ UInt64(byte)) & 0xFF)]
        }
        return value
    }

    private static let emptyFingerprint: UInt64 = 0xC15D_213A_A4D7_A795

    private static let fingerprintTable: [UInt64] = (0..<256).map { index in
        var value = UInt64(index)
        for _ in 0..<8 { value = (value >> 1) ^ (emptyFingerprint & (0 &- (value & 1))) }
        return value
    }
}
