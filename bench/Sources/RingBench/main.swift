// ring-bench: the SPMC ring against a Mutex-protected deque and a condition-variable queue, plus
// the result path on its own (W workers into the MPSC ring, one result thread) and the idle CPU of
// a parked worker.
//
//   swift run -c release --scratch-path .build-ring ring-bench [--items N] [--reps R] [--pin]
//       [--result-path-only] [--result-workers W] [--spins N] [--yields N] [--idle-seconds S] [--quick]
//
// Prints a table (medians over the repetitions) and one JSON line starting with `{"bench":"ring"`.
import Foundation
import Platform
import RingBuffer

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func format(_ value: Double, _ decimals: Int = 1) -> String {
    String(format: "%.\(decimals)f", value)
}

let options = Options(arguments: CommandLine.arguments)
let cpus = try CPUSet.allowed()
let placement = Placement(pin: options.pin, cpus: cpus)
print(
    "ring-bench: items/run=\(options.items) reps=\(options.repetitions) pin=\(options.pin) allowed=\(cpus) ring wait policy: \(options.waitPolicy.spins) spins, \(options.waitPolicy.yields) yields"
)

let configs = [1, 2].flatMap { consumers in
    [1, 16, 64].flatMap { batch in
        QueueKind.allCases.map { Config(queue: $0, consumers: consumers, batch: batch) }
    }
}
var runs: [Config: [Measurement]] = [:]
var pathRuns: [Measurement] = []
// Repetitions outermost, so that load from other processes spreads over every configuration.
for repetition in 0..<options.repetitions {
    for config in configs where options.handOff {
        let measurement = try measureHandOff(
            queue: config.queue.make(options),
            items: options.items,
            consumers: config.consumers,
            batch: config.batch,
            placement: placement
        )
        runs[config, default: []].append(measurement)
    }
    pathRuns.append(
        try measureResultPath(
            items: options.items,
            workers: options.resultWorkers,
            placement: placement,
            waitPolicy: options.waitPolicy
        )
    )
    print("  repetition \(repetition + 1)/\(options.repetitions) done")
}

struct Row {
    var config: Config
    var itemsPerSecond: Double
    var cpuNanosecondsPerItem: Double
    var versusMutexSameBatch: Double
    var versusMutexBatch1: Double
}

func summary(_ config: Config, in runs: [Config: [Measurement]]) -> (Double, Double) {
    let measurements = runs[config]!
    return (median(measurements.map(\.itemsPerSecond)), median(measurements.map(\.cpuNanosecondsPerItem)))
}

var rows: [Row] = []
for config in configs where options.handOff {
    let (rate, cpu) = summary(config, in: runs)
    let (mutexRate, _) = summary(Config(queue: .mutexDeque, consumers: config.consumers, batch: config.batch), in: runs)
    let (mutexRate1, _) = summary(Config(queue: .mutexDeque, consumers: config.consumers, batch: 1), in: runs)
    rows.append(
        Row(
            config: config,
            itemsPerSecond: rate,
            cpuNanosecondsPerItem: cpu,
            versusMutexSameBatch: rate / mutexRate,
            versusMutexBatch1: rate / mutexRate1
        )
    )
}

print("")
print("1 producer -> C consumers, capacity 1024, 32-byte messages; medians of \(options.repetitions) runs")
print(
    "\(pad("queue", 12)) \(pad("C", 2)) \(pad("batch", 5)) \(pad("Mitems/s", 9)) \(pad("CPU ns/item", 11)) \(pad("x mutex@batch", 13)) \(pad("x mutex@1", 9))"
)
for row in rows {
    print(
        "\(pad(row.config.queue.rawValue, 12)) \(pad("\(row.config.consumers)", 2)) \(pad("\(row.config.batch)", 5)) \(pad(format(row.itemsPerSecond / 1e6, 2), 9)) \(pad(format(row.cpuNanosecondsPerItem), 11)) \(pad(format(row.versusMutexSameBatch, 2), 13)) \(pad(format(row.versusMutexBatch1, 2), 9))"
    )
}

print("")
print("Result path: \(options.resultWorkers) workers -> 1 MPSC ring -> 1 result thread (take batches of 256)")
let pathRate = median(pathRuns.map(\.itemsPerSecond))
let pathCPU = median(pathRuns.map(\.cpuNanosecondsPerItem))
print("\(pad("mpsc-ring", 16)) \(pad(format(pathRate / 1e6, 2), 9)) Mitems/s \(pad(format(pathCPU), 8)) CPU ns/item")

let idle = try measureIdleCPU(seconds: options.idleSeconds)
print("")
print(
    "Idle: a worker parked on an empty ring for \(format(options.idleSeconds)) s used \(format(idle.worker, 4)) CPU s (process \(format(idle.process, 4)) CPU s)"
)

var json =
    "{\"bench\":\"ring\",\"items\":\(options.items),\"reps\":\(options.repetitions),\"pin\":\(options.pin),\"handoff\":["
json += rows.map { row in
    "{\"queue\":\"\(row.config.queue.rawValue)\",\"consumers\":\(row.config.consumers),\"batch\":\(row.config.batch),"
        + "\"items_per_s\":\(Int(row.itemsPerSecond)),\"cpu_ns_per_item\":\(format(row.cpuNanosecondsPerItem)),"
        + "\"x_mutex_same_batch\":\(format(row.versusMutexSameBatch, 2)),\"x_mutex_batch1\":\(format(row.versusMutexBatch1, 2))}"
}.joined(separator: ",")
json += "],\"result_workers\":\(options.resultWorkers),\"result_path\":["
json += "{\"path\":\"mpsc-ring\",\"items_per_s\":\(Int(pathRate)),\"cpu_ns_per_item\":\(format(pathCPU))}"
json +=
    "],\"idle\":{\"seconds\":\(options.idleSeconds),\"worker_cpu_s\":\(format(idle.worker, 4)),\"process_cpu_s\":\(format(idle.process, 4))}}"
print(json)
