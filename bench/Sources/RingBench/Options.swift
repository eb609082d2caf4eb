import Foundation
import RingBuffer

/// Command-line options of `ring-bench`.
struct Options {
    var items = 2_000_000
    var repetitions = 5
    var pin = false
    var idleSeconds = 2.0
    var waitPolicy = WaitPolicy.default
    var handOff = true
    var resultWorkers = 2

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--items": items = Int(iterator.next() ?? "") ?? items
            case "--reps": repetitions = Int(iterator.next() ?? "") ?? repetitions
            case "--pin": pin = true
            case "--result-path-only": handOff = false
            case "--result-workers": resultWorkers = Int(iterator.next() ?? "") ?? resultWorkers
            case "--spins": waitPolicy.spins = Int(iterator.next() ?? "") ?? waitPolicy.spins
            case "--yields": waitPolicy.yields = Int(iterator.next() ?? "") ?? waitPolicy.yields
            case "--idle-seconds": idleSeconds = Double(iterator.next() ?? "") ?? idleSeconds
            case "--quick":
                items = 200_000
                repetitions = 2
                idleSeconds = 0.5
            default:
                print("unknown argument \(argument)")
                exit(2)
            }
        }
    }
}
