// RSP_SERVICE(discard, "Discard service, pool DiscardPool")
/* Discard (docs/wire.md 9.3): read and drop everything. */
#include "services/service.h"

static void
discard_session(struct svc_ctx *c, uint32_t session)
{
	(void)c;
	(void)session;
}

static void
discard_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	(void)c;
	(void)ev;
}

const struct svc svc_discard = {"discard", "DiscardPool", NULL, NULL,
    discard_session, discard_msg, discard_session, NULL, NULL, NULL, NULL,
    NULL};
