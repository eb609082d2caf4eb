// Debian's LZ4 (liblz4-dev): the frame format the model file is compressed with. Only
// Sources/Inference/Model/LZ4Frame.swift imports this module.
#ifndef CLZ4_SHIM_H
#define CLZ4_SHIM_H

#include <lz4frame.h>

#endif
