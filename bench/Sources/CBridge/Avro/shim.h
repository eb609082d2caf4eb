// Debian's Apache Avro C library (libavro-dev), for avro-bench only: the service decodes Avro with
// its own AvroRequestDecoder and never links libavro. Only the C helper target CAvroDecode uses
// this module (for its pkg-config flags and the link line); no Swift file imports it.
#ifndef CAVRO_SHIM_H
#define CAVRO_SHIM_H

#include <avro.h>

#endif
