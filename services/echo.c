// RSP_SERVICE(echo, "Echo service (the default), pool EchoPool")
/* Echo (docs/wire.md 9.3): every message back, same PPID and stream. */
#include "services/service.h"

static void
echo_up(struct svc_ctx *c, uint32_t session)
{
	(void)c;
	(void)session;
}

static void
echo_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	if (ev->type != RSP_EV_MSG)
		return; /* a Cookie Echo is not echoed */
	rsp_element_send(
	    c->e, ev->session, ev->ppid, ev->stream, ev->data, ev->len);
}

const struct svc svc_echo = {"echo", "EchoPool", NULL, NULL, echo_up, echo_msg,
    echo_up, NULL, NULL, NULL, NULL, NULL};
