// Debian's OpenBLAS (libopenblas-dev): CBLAS plus openblas_set_num_threads. Only
// Sources/Inference/Scoring/BLAS.swift imports this module.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H

#include <cblas.h>

#endif
