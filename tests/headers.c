/* Compiled by make check as C99 -pedantic and as C++ with -Werror: the public
 * headers must stand alone in both languages. */
#include <replicer-hooks/rh.h>
#include <replicer-hooks/rh_pg.h>
#include <replicer-hooks/rh_sqlite.h>
#include <replicer-hooks/sys/storage.h>

int rh_header_check(void);
int rh_header_check(void)
{
    rh_storage st = RH_STORAGE_INIT;
    rh_allocator al = {0, 0, 0, 0};
    (void)al;
    return (int)st.version + RH_OK + (RH_VERSION_AT_LEAST(0, 1, 0) ? 0 : 1);
}
