#include "jemalloc_config.h"

// The options `anomaly-service` runs jemalloc with (docs/DEPLOY.md):
// - narenas:2: two arenas whatever the CPU count. Every record is allocated on one thread and
//   freed on another, so each arena holds freed pages for threads it does not serve; with eight
//   (four per CPU, the default) the byte-bounded backlog test (MemoryBoundTests) peaked 10-20 MiB
//   over its bound. Each thread's cache (tcache) still serves most allocations without a lock.
// - oversize_threshold:131072: allocations of 128 KiB and more (large records, librdkafka's
//   fetch and batch buffers) come from an arena that returns them to the kernel when freed, as
//   glibc's fixed mmap threshold did (ProcessMemory.mapAllocations).
// - background_thread:true, dirty_decay_ms:1000, muzzy_decay_ms:0: other freed pages go back
//   within about a second, from jemalloc's own thread rather than a record's path.
const char *malloc_conf =
    "narenas:2,oversize_threshold:131072,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
