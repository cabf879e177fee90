/* replicer-hooks input rules, private (rh_validate.c): event types,
 * subscription patterns and custom header names and values. */
#ifndef RH_VALIDATE_H
#define RH_VALIDATE_H

#include "rh_util.h"

int rh__event_type_valid(const char *type);
int rh__header_valid(const char *name, const char *value, const char **why);
int rh__pattern_matches(const char *pattern, const char *type);
int rh__pattern_valid(const char *pattern);
/* 1 to RH_TENANT_MAX of visible ASCII ('!' to '~'). */
int rh__tenant_valid(const char *tenant);
/* W3C Trace Context level 1: "00-" 32 lower-case hex "-" 16 hex "-" 2
 * hex, neither id all zeros; a tracestate of 1 to RH_TRACESTATE_MAX
 * printable ASCII characters (its members' syntax is the vendors'). */
int rh__traceparent_valid(const char *traceparent);
int rh__tracestate_valid(const char *tracestate);

#endif
