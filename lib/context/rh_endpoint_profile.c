/* replicer-hooks endpoint profile: who an endpoint belongs to (its tenant)
 * and how people know it (a name, a description, labels), kept with the
 * endpoint's record. The rules live here so that a setter, an options
 * handle and a record read back from storage check the same things. */
#include "rh_endpoint_record.h"
#include "rh_json.h"
#include "rh_validate.h"

#include <jansson.h>

#include <string.h>

const char *rh__endpoint_tenant(const rh_endpoint *ep)
{
    return ep->profile.tenant ? ep->profile.tenant : "";
}

const char *rh__profile_text_invalid(const char *text, size_t max,
                                     int multiline)
{
    if (!text)
        return NULL;
    if (strlen(text) > max)
        return multiline ? "the description is over 1024 bytes"
                         : "the name is over 128 bytes";
    if (!rh__utf8_text_valid(text, max, multiline))
        return multiline ? "the description is not UTF-8 text without "
                           "control characters (newlines and tabs allowed)"
                         : "the name is not UTF-8 text without control "
                           "characters";
    return NULL;
}

const char *rh__label_invalid(const char *key, const char *value)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > RH_LABEL_KEY_MAX)
        return "a label's key must be 1 to 64 characters";
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return "a label's key must be of [A-Za-z0-9_.-]";
    }
    if (value && !rh__utf8_text_valid(value, RH_LABEL_VALUE_MAX, 0))
        return "a label's value must be at most 256 bytes of UTF-8 text "
               "without control characters";
    return NULL;
}

int rh__profile_set_text(const rh_allocator *a, char **field, const char *text)
{
    char *copy = text && *text ? rh__strdup(a, text) : NULL;
    if (text && *text && !copy)
        return RH_E_NOMEM;
    rh__free(a, *field);
    *field = copy;
    return RH_OK;
}

int rh__profile_set_label(const rh_allocator *a, rh_endpoint_profile *p,
                          const char *key, const char *value)
{
    size_t i = 0;
    int c = 1;
    while (i < p->n_labels && (c = strcmp(p->label_keys[i], key)) < 0)
        i++;
    int found = i < p->n_labels && c == 0;
    if (!value) {
        if (!found)
            return RH_E_NOT_FOUND;
        rh__free(a, p->label_keys[i]);
        rh__free(a, p->label_values[i]);
        p->n_labels--;
        memmove(&p->label_keys[i], &p->label_keys[i + 1],
                (p->n_labels - i) * sizeof(char *));
        memmove(&p->label_values[i], &p->label_values[i + 1],
                (p->n_labels - i) * sizeof(char *));
        return RH_OK;
    }
    char *v = rh__strdup(a, value);
    if (!v)
        return RH_E_NOMEM;
    if (found) {
        rh__free(a, p->label_values[i]);
        p->label_values[i] = v;
        return RH_OK;
    }
    if (p->n_labels >= RH_ENDPOINT_LABELS_MAX) {
        rh__free(a, v);
        return RH_E_INVALID_ARG;
    }
    char *k = rh__strdup(a, key);
    char **keys = rh__realloc(a, p->label_keys,
                              (p->n_labels + 1) * sizeof(char *));
    if (keys)
        p->label_keys = keys;
    char **values = keys ? rh__realloc(a, p->label_values,
                                       (p->n_labels + 1) * sizeof(char *))
                         : NULL;
    if (values)
        p->label_values = values;
    if (!k || !keys || !values) {
        rh__free(a, k);
        rh__free(a, v);
        return RH_E_NOMEM;
    }
    memmove(&p->label_keys[i + 1], &p->label_keys[i],
            (p->n_labels - i) * sizeof(char *));
    memmove(&p->label_values[i + 1], &p->label_values[i],
            (p->n_labels - i) * sizeof(char *));
    p->label_keys[i] = k;
    p->label_values[i] = v;
    p->n_labels++;
    return RH_OK;
}

void rh__profile_free(const rh_allocator *a, rh_endpoint_profile *p)
{
    rh__free(a, p->tenant);
    rh__free(a, p->name);
    rh__free(a, p->description);
    for (size_t i = 0; i < p->n_labels; i++) {
        rh__free(a, p->label_keys[i]);
        rh__free(a, p->label_values[i]);
    }
    rh__free(a, p->label_keys);
    rh__free(a, p->label_values);
    memset(p, 0, sizeof *p);
}

int rh__profile_copy(const rh_allocator *a, rh_endpoint_profile *dst,
                     const rh_endpoint_profile *src)
{
    int rc;
    memset(dst, 0, sizeof *dst);
    rc = rh__profile_set_text(a, &dst->tenant, src->tenant);
    if (rc == RH_OK)
        rc = rh__profile_set_text(a, &dst->name, src->name);
    if (rc == RH_OK)
        rc = rh__profile_set_text(a, &dst->description, src->description);
    for (size_t i = 0; rc == RH_OK && i < src->n_labels; i++)
        rc = rh__profile_set_label(a, dst, src->label_keys[i],
                                   src->label_values[i]);
    if (rc != RH_OK)
        rh__profile_free(a, dst);
    return rc;
}

/* "tenant", "name", "description" and "labels" ({key: value}), each only
 * when set: a record without them reads as before 0.3.0. */
int rh__profile_encode(json_t *o, const rh_endpoint_profile *p)
{
    if ((p->tenant &&
         json_object_set_new(o, "tenant", json_string(p->tenant))) ||
        (p->name && json_object_set_new(o, "name", json_string(p->name))) ||
        (p->description &&
         json_object_set_new(o, "description", json_string(p->description))))
        return RH_E_NOMEM;
    if (!p->n_labels)
        return RH_OK;
    json_t *labels = json_object();
    if (!labels || json_object_set_new(o, "labels", labels))
        return RH_E_NOMEM;
    for (size_t i = 0; i < p->n_labels; i++)
        if (json_object_set_new(labels, p->label_keys[i],
                                json_string(p->label_values[i])))
            return RH_E_NOMEM;
    return RH_OK;
}

static int decode_text(const rh_allocator *a, json_t *o, const char *k,
                       char **field)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        return RH_OK;
    if (!json_is_string(v))
        return RH_E_INVALID_ARG;
    return rh__profile_set_text(a, field, json_string_value(v));
}

int rh__profile_decode(const rh_allocator *a, json_t *o,
                       rh_endpoint_profile *p)
{
    json_t *labels = json_object_get(o, "labels"), *v;
    const char *k;
    int rc = decode_text(a, o, "tenant", &p->tenant);
    if (rc == RH_OK)
        rc = decode_text(a, o, "name", &p->name);
    if (rc == RH_OK)
        rc = decode_text(a, o, "description", &p->description);
    if (rc != RH_OK)
        return rc;
    if ((p->tenant && !rh__tenant_valid(p->tenant)) ||
        rh__profile_text_invalid(p->name, RH_ENDPOINT_NAME_MAX, 0) ||
        rh__profile_text_invalid(p->description, RH_ENDPOINT_DESCRIPTION_MAX, 1) ||
        (labels && !json_is_object(labels)) ||
        json_object_size(labels) > RH_ENDPOINT_LABELS_MAX)
        return RH_E_INVALID_ARG;
    json_object_foreach(labels, k, v)
    {
        if (!json_is_string(v) || rh__label_invalid(k, json_string_value(v)))
            return RH_E_INVALID_ARG;
        if ((rc = rh__profile_set_label(a, p, k, json_string_value(v))))
            return rc;
    }
    return RH_OK;
}
