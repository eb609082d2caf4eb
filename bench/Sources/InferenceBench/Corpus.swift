import Foundation

/// Request lines from ../shared/data: a mix of every source, CLF lines from `elastic_apache`'s
/// `raw` field, and the rest as JSON rows.
struct Corpus {
    var lines: [[UInt8]] = []

    /// Up to `perFile` lines from each data set file under `directory`.
    init(directory: String, perFile: Int) {
        for name in ["csic2010", "httpparams", "fwaf_bad", "fuzzdb", "elastic_apache"] {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name).jsonl") else {
                print("note: \(directory)/\(name).jsonl not found")
                continue
            }
            var taken = 0
            for line in data.split(separator: 0x0A) where taken < perFile {
                if name == "elastic_apache", taken % 2 == 0,
                    let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                    let raw = object["raw"] as? String
                {
                    lines.append(Array(raw.utf8))  // half of the access-log rows as CLF lines
                } else {
                    lines.append(Array(line))
                }
                taken += 1
            }
        }
        // Interleave the sources so no one shape runs hot in the caches.
        var generator = SystemRandomNumberGenerator()
        _ = generator.next()
        var shuffler = LinearCongruential(seed: 7)
        lines.shuffle(using: &shuffler)
    }

    var byteCount: Int { lines.reduce(0) { $0 + $1.count } }
}

/// A fixed-seed generator, so every run benchmarks the same data.
struct LinearCongruential: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}
