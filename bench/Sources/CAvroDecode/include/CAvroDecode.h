// avro-bench's libavro path: decodes one Avro body with Apache Avro C's generic value API, as a C
// consumer of libavro would, and hands back the request fields as pointers into libavro's value.
// The header names no libavro type, so the Swift side sees only these plain structs.
#ifndef CAVRODECODE_H
#define CAVRODECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// A string field: `bytes` is NULL when the field is null or the schema lacks it. Valid until the
/// next `cavro_decode` on the same decoder.
typedef struct cavro_text {
    const char *bytes;
    size_t count;
} cavro_text;

/// The request fields the project's AvroRequestDecoder fills from the reference schema.
typedef struct cavro_request {
    cavro_text id;
    cavro_text method;
    cavro_text path;
    cavro_text query;
    cavro_text protocol_version;
    cavro_text body;
    /// The last `User-Agent` entry of `headers` (any case).
    cavro_text user_agent;
    /// The last `Referer` or `Referrer` entry of `headers` (any case).
    cavro_text referer;
    cavro_text remote_address;
    int64_t timestamp;
    bool has_timestamp;
} cavro_request;

/// Why `cavro_decode` refused a body.
typedef enum cavro_status {
    CAVRO_OK = 0,
    /// avro_value_read failed (truncated or malformed body): `cavro_error_message` says why.
    CAVRO_READ_FAILED = 1,
    /// A field has a type the helper does not read (not string, long or map of string).
    CAVRO_UNEXPECTED_TYPE = 2,
    /// Neither `path` nor `query`.
    CAVRO_MISSING_PATH = 3,
} cavro_status;

/// One writer schema's schema, generic value class, value and memory reader, made once.
typedef struct cavro_decoder cavro_decoder;

/// A decoder for records written with the schema `json` (`length` bytes), or NULL
/// (`cavro_error_message` says why).
cavro_decoder *cavro_decoder_create(const char *json, size_t length);

void cavro_decoder_destroy(cavro_decoder *decoder);

/// Decodes one Avro binary body (no wire header) into the decoder's value and points `out`'s
/// fields at its strings.
cavro_status cavro_decode(cavro_decoder *decoder, const void *body, size_t length, cavro_request *out);

/// libavro's message for the last failure on this thread.
const char *cavro_error_message(void);

#endif
