/* replicer-hooks data check of emit, private (rh_json.c): one JSON object,
 * validated without building a tree. */
#ifndef RH_JSON_H
#define RH_JSON_H

#include "rh_util.h"

/* ------------------------------------------------------------- JSON */
/* RH_OK when json is one valid object without duplicate keys (rh_json.c,
 * no tree built); else RH_E_INVALID_ARG with the reason in err, or
 * RH_E_NOMEM. */
int rh__json_check_object(const rh_allocator *a, const char *json, size_t len,
                          char *err, size_t errsz);

/* 1 when s (NUL-terminated) is valid UTF-8 of at most max bytes with no
 * control character (but for newlines and tabs when multiline). */
int rh__utf8_text_valid(const char *s, size_t max, int multiline);

#endif
