import FoundationEssentials

/// NumPy `.npy` (format version 1.0) headers, and a reader for the little-endian arrays the
/// golden-vector files hold.
public enum NumPyFile {
    /// The magic and version bytes every version-1.0 file starts with.
    static let prefix: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00]

    /// A version-1.0 header of exactly `length` bytes (a multiple of 64) for a C-order array.
    ///
    /// - Parameters:
    ///   - descr: the dtype, e.g. `<f4` or `|i1`.
    ///   - shape: the dimensions.
    public static func header(descr: String, shape: [Int], length: Int = 128) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let total = max(length, ((prefix.count + 2 + dictionary.count + 1 + 63) / 64) * 64)
        while prefix.count + 2 + dictionary.count + 1 < total { dictionary.append(0x20) }
        dictionary.append(0x0A)
        let headerLength = UInt16(dictionary.count)
        return prefix + [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)] + dictionary
    }

    /// A whole `.npy` file of a one-dimensional `int8` array.
    public static func encode(int8 values: [Int8]) -> Data {
        var data = Data(header(descr: "|i1", shape: [values.count], length: 64))
        unsafe values.withUnsafeBytes { bytes in unsafe data.append(contentsOf: bytes) }
        return data
    }

    /// An array read from a `.npy` file: its shape and its values widened to `Double`.
    public struct Array2D: Sendable {
        public var shape: [Int]
        public var values: [Double]
    }

    /// Reads a C-order `<f4`, `<f8`, `|i1` or `<i8` array.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/io`` for anything else.
    public static func read(_ data: Data) throws(InferenceError) -> Array2D {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == Array(prefix[0..<6]) else { throw .io("not a .npy file") }
        let major = bytes[6]
        let headerStart = major == 1 ? 10 : 12
        guard bytes.count >= headerStart else { throw .io("truncated .npy header") }
        let headerLength =
            major == 1
            ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard bytes.count >= headerStart + headerLength else { throw .io("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard !header.contains("'fortran_order': True") else { throw .io("Fortran-order .npy") }
        guard let descrRange = header.firstRange(of: "'descr': '"),
            let descrEnd = header[descrRange.upperBound...].firstIndex(of: "'"),
            let shapeStart = header.firstRange(of: "'shape': ("),
            let shapeEnd = header[shapeStart.upperBound...].firstIndex(of: ")")
        else { throw .io("unreadable .npy header") }
        let descr = String(header[descrRange.upperBound..<descrEnd])
        let shape = header[shapeStart.upperBound..<shapeEnd].split(separator: ",").compactMap {
            Int(trimmingWhitespace($0))
        }
        let count = shape.reduce(1, *)
        let body = headerStart + headerLength
        let width: Int =
            switch descr {
            case "<f4": 4
            case "<f8", "<i8": 8
            case "|i1": 1
            default: throw .io("unsupported .npy dtype \(descr)")
            }
        guard bytes.count >= body + count * width else { throw .io("truncated .npy data") }
        var values = [Double](repeating: 0, count: count)
        unsafe bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                let offset = body + index * width
                values[index] =
                    switch descr {
                    case "<f4":
                        Double(
                            Float(
                                bitPattern: UInt32(
                                    littleEndian: unsafe raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                                )
                            )
                        )
                    case "<f8":
                        Double(
                            bitPattern: UInt64(
                                littleEndian: unsafe raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                            )
                        )
                    case "<i8":
                        Double(Int64(littleEndian: unsafe raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                    default: Double(Int8(bitPattern: unsafe raw[offset]))
                    }
            }
        }
        return Array2D(shape: shape, values: values)
    }

    /// `text` without leading and trailing whitespace.
    private static func trimmingWhitespace(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return text[first...last]
    }
}
