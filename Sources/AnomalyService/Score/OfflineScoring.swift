import Inference
import Kafka
import Service

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The offline loop: lines become the records of a micro-batch, the service's processor answers
/// each, and predictions go to standard output in input order; unparseable lines are reported
/// with their reason and counted.
struct OfflineScoring {
    let processor: InferenceProcessor
    let batch: Int
    /// The input's name, the `file` of each prediction's `source`.
    let input: String
    let progress: ScoreProgress
    private(set) var counts = ScoreSummary.Counts()

    /// For the evaluation only: each labelled line's label and source.
    private let parser = RequestParser()
    private let request = ParsedRequest()
    private var pending: [InputRecord] = []
    private var labels: [(label: Int8, source: String)] = []
    private var outputs: [OutputRecord] = []
    private var output = PredictionOutput()
    private var bytesRead = 0

    init(processor: InferenceProcessor, batch: Int, input: String, progress: ScoreProgress) {
        self.processor = processor
        self.batch = batch
        self.input = input
        self.progress = progress
        pending.reserveCapacity(batch)
        labels.reserveCapacity(batch)
    }

    /// Scores every line of `reader`.
    ///
    /// - Throws: ``InferenceError`` when the input cannot be read or standard output written.
    mutating func run(_ reader: LineReader) throws {
        try reader.forEachLine { lineNumber, bytes in
            counts.lines = lineNumber
            bytesRead += (bytes?.count ?? reader.maxLineBytes) + 1
            progress.update(lines: lineNumber, bytes: bytesRead)
            guard let bytes else {
                report(
                    line: lineNumber,
                    reason: RequestParseError.tooLarge.rawValue,
                    detail: "the line is longer than the parser's input limit of \(reader.maxLineBytes) bytes"
                )
                return
            }
            if bytes.indices.allSatisfy({ bytes[$0] == 0x20 || bytes[$0] == 0x09 || bytes[$0] == 0x0D }) {
                counts.blank += 1
                return
            }
            labels.append(label(of: bytes))
            pending.append(
                InputRecord(
                    message: KafkaMessage(
                        topic: input,
                        partition: 0,
                        offset: Int64(lineNumber),
                        key: nil,
                        value: bytes.indices.map { bytes[$0] }
                    ),
                    // The record's place in the batch: the processor answers dead letters first.
                    ticket: OffsetTracker.Ticket(rawValue: UInt(pending.count)),
                    receivedNanoseconds: 0
                )
            )
            if pending.count == batch { try flush() }
        }
        try flush()
        try output.flush()
    }

    /// The line's label and source when it is a labelled data-set row, else -1. Only a JSON
    /// object that mentions `"label"` can be one, so other lines are not parsed twice.
    private func label(of bytes: Span<UInt8>) -> (label: Int8, source: String) {
        guard Self.mayBeLabelled(bytes), parser.parseReason(bytes, into: request) == nil, request.label >= 0 else {
            return (-1, "")
        }
        return (request.label, request.string(.source) ?? "-")
    }

    private static let labelKey = Array(#""label""#.utf8)

    /// Whether the line is a JSON object whose bytes contain `"label"`. The key is found by its
    /// `b` with `memchr` (word at a time): a byte-by-byte scan of each line of a data set cost
    /// more than the parse it saves on lines without a label.
    private static func mayBeLabelled(_ bytes: Span<UInt8>) -> Bool {
        let key = labelKey
        let anchor = 3  // the `b` of `"label"`
        return unsafe bytes.withUnsafeBytes { raw in
            var start = 0
            while start < raw.count, unsafe raw[start] == 0x20 || raw[start] == 0x09 { start += 1 }
            guard start < raw.count, unsafe raw[start] == UInt8(ascii: "{"), let base = raw.baseAddress else {
                return false
            }
            // Candidates for the anchor leave room for the whole key around them.
            var from = start + anchor
            let end = raw.count - (key.count - anchor - 1)
            while from < end {
                guard let found = unsafe memchr(base + from, Int32(key[anchor]), end - from) else { return false }
                let index = unsafe base.distance(to: UnsafeRawPointer(found))
                var matches = true
                for offset in 0..<key.count where unsafe raw[index - anchor + offset] != key[offset] {
                    matches = false
                    break
                }
                if matches { return true }
                from = index + 1
            }
            return false
        }
    }

    private mutating func report(line: Int, reason: String, detail: String) {
        counts.addUnparseable(reason: reason, detail: detail)
        progress.update(anomalous: counts.anomalous, unparseable: counts.unparseableLines)
        progress.message("score: line \(line): unparseable (\(reason): \(detail))\n")
    }

    private mutating func flush() throws {
        guard !pending.isEmpty else { return }
        outputs.removeAll(keepingCapacity: true)
        processor.process(pending, into: &outputs)
        for answer in outputs {
            let index = Int(answer.ticket.rawValue)
            guard answer.destination == .prediction else {
                report(
                    line: Int(pending[index].message.offset),
                    reason: Self.header(DeadLetterHeader.error, of: answer) ?? "unscorable",
                    detail: Self.header(DeadLetterHeader.detail, of: answer) ?? "no reason given"
                )
                continue
            }
            try output.append(answer.value ?? [])
            counts.predicted += 1
            if answer.anomalous { counts.anomalous += 1 }
            let (label, source) = labels[index]
            if label >= 0 { counts.evaluation.add(source: source, attack: label == 1, flagged: answer.anomalous) }
        }
        progress.update(anomalous: counts.anomalous, unparseable: counts.unparseableLines)
        pending.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
    }

    private static func header(_ name: String, of record: OutputRecord) -> String? {
        record.headers.first { $0.name == name }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }
}

/// Predictions on standard output, one per line, gathered into large writes.
private struct PredictionOutput {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(Self.flushBytes + 4_096) }

    private static let flushBytes = 1 << 20

    mutating func append(_ prediction: [UInt8]) throws(InferenceError) {
        buffer.append(contentsOf: prediction)
        buffer.append(0x0A)
        if buffer.count >= Self.flushBytes { try flush() }
    }

    /// Writes what is buffered, retrying short and interrupted writes.
    mutating func flush() throws(InferenceError) {
        var written = 0
        while written < buffer.count {
            let result = unsafe buffer.withUnsafeBytes { bytes in
                unsafe write(STDOUT_FILENO, bytes.baseAddress! + written, bytes.count - written)
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                throw .io("cannot write predictions to standard output: \(unsafe String(cString: strerror(errno)))")
            }
            written += result
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
