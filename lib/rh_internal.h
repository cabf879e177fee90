/* replicer-hooks internals: every private header at once, for the tests
 * (library files include only the headers of what they use). */
#ifndef RH_INTERNAL_H
#define RH_INTERNAL_H

#include "rh_base.h"
#include "rh_endpoint_record.h"
#include "rh_event_types.h"
#include "rh_json.h"
#include "rh_json_keys.h"
#include "rh_memstore.h"
#include "rh_portal_http.h"
#include "rh_sign.h"
#include "rh_validate.h"

#endif /* RH_INTERNAL_H */
