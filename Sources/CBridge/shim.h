// The C libraries the service stands on, from Debian: librdkafka (with its mock cluster),
// OpenBLAS (CBLAS plus openblas_set_num_threads) and LZ4's frame format.
// Only wrapper types next to this bridge import it; see STYLE.md "C interop".
#ifndef CBRIDGE_SHIM_H
#define CBRIDGE_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <cblas.h>
#include <lz4frame.h>
#include <lz4.h>

#endif
