/*
 * UDP sockets of the multicast announces (ASAP Server Announces, ENRP
 * Presence on the group) and of the CSP reports: the socket options
 * and the receive loop that the registrar, the library and the CSP
 * reporter would otherwise each write again.
 */
#ifndef RSP_CORE_UDP_H
#define RSP_CORE_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A non-blocking, close-on-exec UDP socket of family; -1 with errno. */
int udp_socket(int family);
/* Sending to a group: multicast TTL (hops) ttl, and our own datagrams
 * looped back to this host's listeners (registrars and PEs on one host
 * hear each other). */
void udp_mcast_sender(int fd, int family, int ttl);
/* Receive only the groups this socket joined (Linux delivers every
 * group a host joined to a socket bound to the group's port). */
void udp_only_joined(int fd, int family);
/* Join group on the interface the routing table picks; -1 with errno
 * (no route yet, for example). */
int udp_join(int fd, const struct sockaddr_storage *group);

typedef void udp_datagram_cb(
    void *arg, const struct sockaddr *from, const uint8_t *data, size_t len);
/* Read the datagrams queued on fd, at most max (0: all), and hand each
 * to cb (NULL: discard them, so that the receive buffer never fills). */
void udp_drain(int fd, int max, udp_datagram_cb *cb, void *arg);

#endif
