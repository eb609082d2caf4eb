#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The GNU thread extensions the Glibc module does not import.
///
/// `sched_getaffinity`, `pthread_setaffinity_np` and the `pthread_{set,get}name_np` pair are
/// declared under `_GNU_SOURCE`, which Swift's Glibc module map does not define, and Platform
/// stays pure Swift (no C shim). They are plain (non-variadic) libc symbols, so we look them
/// up once with `dlsym` and call them through typed C function pointers.
enum _GNUThreadFunctions {
    typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> CInt
    typealias SetThreadAffinity = @convention(c) (pthread_t, Int, UnsafeRawPointer?) -> CInt
    typealias SetThreadName = @convention(c) (pthread_t, UnsafePointer<CChar>?) -> CInt
    typealias GetThreadName = @convention(c) (pthread_t, UnsafeMutablePointer<CChar>?, Int) -> CInt

    /// `getrusage`'s `RUSAGE_THREAD` (also a GNU extension).
    static let rusageThread = __rusage_who_t(1)

    /// A libc function the Glibc module does not import, as a typed C function pointer (also
    /// `ProcessMemory`'s `<malloc.h>` functions).
    static func lookUp<F>(_ name: String, as type: F.Type) -> F? {
        guard let handle = unsafe dlopen(nil, RTLD_NOW), let symbol = unsafe dlsym(handle, name) else {
            return nil
        }
        return unsafe unsafeBitCast(symbol, to: type)
    }

    /// `int sched_getaffinity(pid_t, size_t, cpu_set_t *)`.
    static let getAffinity = unsafe lookUp("sched_getaffinity", as: GetAffinity.self)
    /// `int pthread_setaffinity_np(pthread_t, size_t, const cpu_set_t *)`.
    static let setThreadAffinity = unsafe lookUp("pthread_setaffinity_np", as: SetThreadAffinity.self)
    /// `int pthread_setname_np(pthread_t, const char *)`.
    static let setThreadName = unsafe lookUp("pthread_setname_np", as: SetThreadName.self)
    /// `int pthread_getname_np(pthread_t, char *, size_t)`.
    static let getThreadName = unsafe lookUp("pthread_getname_np", as: GetThreadName.self)
}
