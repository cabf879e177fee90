/* Fuzz target: the data check of emit against jansson. Oracle: for every
 * input, rh__json_check_object accepts exactly when jansson, with the
 * flags emit used before the check was written (duplicates refused, any
 * top-level value, integers read as reals), parses one object. One
 * difference is deliberate: jansson drops a NUL byte that follows a number
 * or a literal (`{"a":true\0}`: its character buffer takes the NUL for its
 * own end), and since the host's bytes are sent as given, a receiver would
 * get that NUL; the check refuses it, and names the NUL's offset. */
#include "rh_internal.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    const char *json = (const char *)data;
    int ours = rh__json_check_object(&rh__default_allocator, json, size, err,
                                     sizeof err);
    json_error_t jerr;
    json_t *root = json_loadb(json, size,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
                                  JSON_DECODE_INT_AS_REAL,
                              &jerr);
    int theirs = root && json_is_object(root) ? RH_OK : RH_E_INVALID_ARG;
    json_decref(root);
    size_t at;
    const char *byte = strstr(err, ", byte ");
    if (ours == RH_E_INVALID_ARG && theirs == RH_OK && byte &&
        sscanf(byte, ", byte %zu", &at) == 1 && at < size && data[at] == 0)
        return 0; /* the NUL jansson dropped */
    if (ours != theirs) {
        fprintf(stderr, "ours %d (%s), jansson %d (%s)\n", ours,
                ours ? err : "ok", theirs, root ? "ok" : jerr.text);
        abort();
    }
    return 0;
}
