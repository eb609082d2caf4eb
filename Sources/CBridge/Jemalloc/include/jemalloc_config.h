#ifndef ANOMALY_JEMALLOC_CONFIG_H
#define ANOMALY_JEMALLOC_CONFIG_H

/// jemalloc's compiled-in options (its `malloc_conf`), read once before the first allocation;
/// `MALLOC_CONF` in the environment overrides them.
extern const char *malloc_conf;

#endif
