/*
 * RSPLIB 3's tag-list variants of the API (<rserpool/rserpool-internals.h>):
 * each takes, last, a TagItem list of tuning values (tagitem.h).  The
 * tags RSPLIB defines for them are below; librsplib from rsp accepts
 * every list and reads the ones docs/library.md names.  ISC licence.
 */
#ifndef RSERPOOLINTERNALS_H
#define RSERPOOLINTERNALS_H

#include "rserpool.h"
#include "tagitem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TAG_PoolElement_Identifier (TAG_USER + 1000)

#define TAG_RspSession_ConnectTimeout             (TAG_USER + 2000)
#define TAG_RspSession_HandleResolutionRetryDelay (TAG_USER + 2001)

#define TAG_RspLib_CacheElementTimeout       (TAG_USER + 4000)
#define TAG_RspLib_RegistrarAnnounceAddress  (TAG_USER + 4001)
#define TAG_RspLib_RegistrarAnnounceTimeout  (TAG_USER + 4002)
#define TAG_RspLib_RegistrarConnectMaxTrials (TAG_USER + 4003)
#define TAG_RspLib_RegistrarConnectTimeout   (TAG_USER + 4004)
#define TAG_RspLib_RegistrarRequestMaxTrials (TAG_USER + 4005)
#define TAG_RspLib_RegistrarRequestTimeout   (TAG_USER + 4006)
#define TAG_RspLib_RegistrarResponseTimeout  (TAG_USER + 4007)

unsigned int rsp_pe_registration_tags(const unsigned char *pool_handle,
    const size_t pool_handle_size, struct rsp_addrinfo *addrinfo,
    const struct rsp_loadinfo *loadinfo, const unsigned int life_ms,
    const int flags, struct TagItem *tags);
unsigned int rsp_pe_deregistration_tags(const unsigned char *pool_handle,
    const size_t pool_handle_size, const uint32_t identifier, const int flags,
    struct TagItem *tags);
unsigned int rsp_pe_failure_tags(const unsigned char *pool_handle,
    const size_t pool_handle_size, const uint32_t identifier,
    struct TagItem *tags);
int rsp_getaddrinfo_tags(const unsigned char *pool_handle,
    const size_t pool_handle_size, struct rsp_addrinfo **result,
    const size_t items, const unsigned int stale_ms, struct TagItem *tags);
int rsp_connect_tags(int sd, const unsigned char *pool_handle,
    const size_t pool_handle_size, const unsigned int stale_ms,
    struct TagItem *tags);
int rsp_forcefailover_tags(int sd, const unsigned int flags,
    const unsigned int stale_ms, struct TagItem *tags);
int rsp_register_tags(int sd, const unsigned char *pool_handle,
    const size_t pool_handle_size, const struct rsp_loadinfo *loadinfo,
    unsigned int rereg_ms, int flags, struct TagItem *tags);
int rsp_deregister_tags(int sd, int flags, struct TagItem *tags);
int rsp_accept_tags(int sd, int timeout_ms, struct TagItem *tags);

#ifdef __cplusplus
}
#endif

#endif
