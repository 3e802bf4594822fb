/*
 * UDP and multicast socket helpers (core/udp.h).
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/udp.h"

int
udp_socket(int family)
{
	return socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

void
udp_mcast_sender(int fd, int family, int ttl)
{
	int one = 1;

	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
		setsockopt(
		    fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one));
	} else {
		setsockopt(
		    fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(
		    fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &one, sizeof(one));
	}
}

void
udp_only_joined(int fd, int family)
{
	int zero = 0;

	if (family == AF_INET) /* IPv6 has no such option: it never does */
		setsockopt(
		    fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof(zero));
}

int
udp_join(int fd, const struct sockaddr_storage *group)
{
	if (group->ss_family == AF_INET) {
		/* struct ip_mreq, not ip_mreqn: the kernel takes either, and
		 * qemu-user (7.2) reads ip_mreqn's interface index as a long
		 * on 64-bit CPUs, so under qemu-aarch64 every join failed
		 * with ENODEV (tests/bats/cspmonitor.bats). */
		struct ip_mreq mr;

		memset(&mr, 0, sizeof(mr));
		mr.imr_multiaddr =
		    ((const struct sockaddr_in *)group)->sin_addr;
		mr.imr_interface.s_addr = htonl(INADDR_ANY);
		return setsockopt(
		    fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
	} else {
		struct ipv6_mreq mr;

		memset(&mr, 0, sizeof(mr));
		mr.ipv6mr_multiaddr =
		    ((const struct sockaddr_in6 *)group)->sin6_addr;
		return setsockopt(
		    fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr));
	}
}

void
udp_drain(int fd, int max, udp_datagram_cb *cb, void *arg)
{
	struct sockaddr_storage from;
	socklen_t fl;
	uint8_t buf[2048];
	ssize_t n;
	int k;

	for (k = 0; max == 0 || k < max; k++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (cb != NULL)
			cb(arg, (struct sockaddr *)&from, buf, (size_t)n);
	}
}
