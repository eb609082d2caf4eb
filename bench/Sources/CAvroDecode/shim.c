// The libavro calls behind CAvroDecode.h. Per record: avro_reader_memory_set_source, avro_value_read
// into one reused generic value, then each field by index (resolved by name once, from the schema),
// union branches with avro_value_get_current_branch, strings with avro_value_get_string, and the
// headers map walked entry by entry for User-Agent and Referer.
#include "CAvroDecode.h"

#include <avro.h>
#include <stdlib.h>
#include <string.h>

enum { FIELD_NONE = -1 };

/// The record fields read, in this order; `offsets` says where each text field goes.
static const char *const text_names[] = {"id", "method", "path", "query", "protocol", "body", "remote_addr"};
static const size_t text_offsets[] = {
    offsetof(cavro_request, id),       offsetof(cavro_request, method),
    offsetof(cavro_request, path),     offsetof(cavro_request, query),
    offsetof(cavro_request, protocol_version), offsetof(cavro_request, body),
    offsetof(cavro_request, remote_address),
};
#define TEXT_FIELDS (sizeof(text_names) / sizeof(text_names[0]))

struct cavro_decoder {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    avro_reader_t reader;
    int text_index[TEXT_FIELDS];
    int timestamp_index;
    int headers_index;
};

const char *cavro_error_message(void) { return avro_strerror(); }

static int field_index(avro_schema_t record, const char *name) {
    return avro_schema_record_field_get_index(record, name);
}

cavro_decoder *cavro_decoder_create(const char *json, size_t length) {
    cavro_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    if (avro_schema_from_json_length(json, length, &decoder->schema) != 0) goto fail;
    if (!is_avro_record(decoder->schema)) {
        avro_set_error("the writer schema is not a record");
        goto fail;
    }
    decoder->iface = avro_generic_class_from_schema(decoder->schema);
    if (decoder->iface == NULL) goto fail;
    if (avro_generic_value_new(decoder->iface, &decoder->value) != 0) goto fail;
    decoder->reader = avro_reader_memory(NULL, 0);
    if (decoder->reader == NULL) goto fail;
    for (size_t i = 0; i < TEXT_FIELDS; i++) decoder->text_index[i] = field_index(decoder->schema, text_names[i]);
    decoder->timestamp_index = field_index(decoder->schema, "ts");
    decoder->headers_index = field_index(decoder->schema, "headers");
    return decoder;
fail:
    cavro_decoder_destroy(decoder);
    return NULL;
}

void cavro_decoder_destroy(cavro_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->reader != NULL) avro_reader_free(decoder->reader);
    if (decoder->value.iface != NULL) avro_value_decref(&decoder->value);
    if (decoder->iface != NULL) avro_value_iface_decref(decoder->iface);
    if (decoder->schema != NULL) avro_schema_decref(decoder->schema);
    free(decoder);
}

/// The value inside `value` when it is a union (its current branch), else `value` itself.
static int resolve_union(avro_value_t *value, avro_value_t *branch, avro_value_t **out) {
    if (avro_value_get_type(value) != AVRO_UNION) {
        *out = value;
        return 0;
    }
    if (avro_value_get_current_branch(value, branch) != 0) return -1;
    *out = branch;
    return 0;
}

/// A string (or a union of null and string) into `out`; null leaves `out` empty.
static cavro_status get_text(avro_value_t *value, cavro_text *out) {
    avro_value_t branch;
    avro_value_t *inner;
    if (resolve_union(value, &branch, &inner) != 0) return CAVRO_UNEXPECTED_TYPE;
    switch (avro_value_get_type(inner)) {
    case AVRO_NULL:
        return CAVRO_OK;
    case AVRO_STRING: {
        const char *bytes;
        size_t size;
        if (avro_value_get_string(inner, &bytes, &size) != 0) return CAVRO_UNEXPECTED_TYPE;
        // libavro's size counts the terminating NUL.
        out->bytes = bytes;
        out->count = size > 0 ? size - 1 : 0;
        return CAVRO_OK;
    }
    default:
        return CAVRO_UNEXPECTED_TYPE;
    }
}

/// Whether `name` (`count` bytes) equals the lower-case `lower` in any case.
static bool equals_lowercased(const char *name, size_t count, const char *lower, size_t lower_count) {
    if (count != lower_count) return false;
    for (size_t i = 0; i < count; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        if (c != lower[i]) return false;
    }
    return true;
}

static cavro_status get_headers(avro_value_t *value, cavro_request *out) {
    avro_value_t branch;
    avro_value_t *map;
    if (resolve_union(value, &branch, &map) != 0) return CAVRO_UNEXPECTED_TYPE;
    if (avro_value_get_type(map) == AVRO_NULL) return CAVRO_OK;
    if (avro_value_get_type(map) != AVRO_MAP) return CAVRO_UNEXPECTED_TYPE;
    size_t entries;
    if (avro_value_get_size(map, &entries) != 0) return CAVRO_UNEXPECTED_TYPE;
    for (size_t i = 0; i < entries; i++) {
        avro_value_t entry;
        const char *name;
        if (avro_value_get_by_index(map, i, &entry, &name) != 0) return CAVRO_UNEXPECTED_TYPE;
        size_t count = strlen(name);
        cavro_text *target = NULL;
        if (equals_lowercased(name, count, "user-agent", 10)) {
            target = &out->user_agent;
        } else if (equals_lowercased(name, count, "referer", 7) || equals_lowercased(name, count, "referrer", 8)) {
            target = &out->referer;
        }
        if (target == NULL) continue;
        cavro_status status = get_text(&entry, target);
        if (status != CAVRO_OK) return status;
    }
    return CAVRO_OK;
}

cavro_status cavro_decode(cavro_decoder *decoder, const void *body, size_t length, cavro_request *out) {
    memset(out, 0, sizeof *out);
    avro_reader_memory_set_source(decoder->reader, body, (int64_t)length);
    if (avro_value_read(decoder->reader, &decoder->value) != 0) return CAVRO_READ_FAILED;
    avro_value_t field;
    for (size_t i = 0; i < TEXT_FIELDS; i++) {
        if (decoder->text_index[i] < 0) continue;
        if (avro_value_get_by_index(&decoder->value, (size_t)decoder->text_index[i], &field, NULL) != 0) {
            return CAVRO_UNEXPECTED_TYPE;
        }
        cavro_status status = get_text(&field, (cavro_text *)((char *)out + text_offsets[i]));
        if (status != CAVRO_OK) return status;
    }
    if (decoder->timestamp_index >= 0) {
        if (avro_value_get_by_index(&decoder->value, (size_t)decoder->timestamp_index, &field, NULL) != 0) {
            return CAVRO_UNEXPECTED_TYPE;
        }
        avro_value_t branch;
        avro_value_t *inner;
        if (resolve_union(&field, &branch, &inner) != 0) return CAVRO_UNEXPECTED_TYPE;
        if (avro_value_get_type(inner) == AVRO_INT64) {
            if (avro_value_get_long(inner, &out->timestamp) != 0) return CAVRO_UNEXPECTED_TYPE;
            out->has_timestamp = true;
        } else if (avro_value_get_type(inner) != AVRO_NULL) {
            return CAVRO_UNEXPECTED_TYPE;
        }
    }
    if (decoder->headers_index >= 0) {
        if (avro_value_get_by_index(&decoder->value, (size_t)decoder->headers_index, &field, NULL) != 0) {
            return CAVRO_UNEXPECTED_TYPE;
        }
        cavro_status status = get_headers(&field, out);
        if (status != CAVRO_OK) return status;
    }
    if (out->path.bytes == NULL && out->query.bytes == NULL) return CAVRO_MISSING_PATH;
    return CAVRO_OK;
}
