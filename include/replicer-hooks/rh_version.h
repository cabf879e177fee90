/* replicer-hooks: the one source of the library's version.
 * The Makefile reads RH_VERSION_STRING from this file. */
#ifndef RH_VERSION_H
#define RH_VERSION_H

#define RH_VERSION_MAJOR 0
#define RH_VERSION_MINOR 2
#define RH_VERSION_PATCH 0
#define RH_VERSION_STRING "0.2.0"
#define RH_VERSION_NUM 0x000200 /* 0xMMmmpp, kept literal */
#define RH_VERSION_AT_LEAST(x, y, z)                                           \
    (RH_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

#endif /* RH_VERSION_H */
