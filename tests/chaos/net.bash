# shellcheck shell=bash disable=SC2034 # the model's arrays are shared
# The chaos suite's network (sourced by tests/chaos/chaos.sh).
#
# One network namespace per registrar, which also holds that site's pool
# elements; one for the pool users; and a hub namespace holding the
# bridge that every other namespace plugs into by a veth pair.  Nothing
# is created in the caller's namespace, so nothing leaves the machine
# and the host's addresses and routes are never touched.  Every name
# carries RUN (the driver's PID: unique among the runs alive at one
# time), so parallel runs cannot collide.
#
# A partition unplugs a namespace's veth from the bridge: neither side
# sees its carrier change, and what it sends is silently dropped, as
# when a switch between two sites fails.  It needs only ip(8) (iproute2,
# already in scripts/deps.sh): no iptables or nft on Debian 12 by default.

NET_PREFIX=10.77.0
NETNS_MADE=()

# reg_ip I: the address of registrar I's namespace.
reg_ip() {
	echo "$NET_PREFIX.$(($1 + 1))"
}

# net_plug TAG ADDR: namespace chaos$RUN$TAG, plugged into the hub's
# bridge, with ADDR/24 on its eth0.
net_plug() {
	local ns="chaos$RUN$1" hub_end="c$RUN$1"
	net_add_ns "$ns" || return 1
	ip -n "$NS_HUB" link add "$hub_end" type veth peer name eth0 \
	    netns "$ns" &&
	    ip -n "$NS_HUB" link set "$hub_end" master br0 up &&
	    ip -n "$ns" addr add "$2/24" dev eth0 &&
	    ip -n "$ns" link set eth0 up &&
	    ip -n "$ns" link set lo up
}

# net_add_ns NAME: a new namespace, remembered for net_teardown.  A
# namespace of that name can only be left over from a dead run whose
# PID we now have (a live one would have another PID): remove it.
net_add_ns() {
	if ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; then
		echo "chaos: removing namespace $1 left over by a dead run" >&2
		ip netns del "$1"
	fi
	ip netns add "$1" || return 1
	NETNS_MADE+=("$1")
}

# net_setup N: the hub and its bridge, N registrar namespaces
# (NS_R[0..N-1]) and the pool users' namespace NS_U.
net_setup() {
	local i
	NS_HUB="chaos${RUN}h"
	net_add_ns "$NS_HUB" || return 1
	ip -n "$NS_HUB" link add br0 type bridge &&
	    ip -n "$NS_HUB" link set br0 up || return 1
	for ((i = 0; i < $1; i++)); do
		NS_R[i]="chaos${RUN}r$i"
		NS_CONN[i]=1
		net_plug "r$i" "$(reg_ip "$i")" || return 1
	done
	NS_U="chaos${RUN}u"
	net_plug u "$NET_PREFIX.100"
}

# net_cut I / net_heal I: unplug registrar I's namespace from the
# bridge, and plug it in again.
net_cut() {
	ip -n "$NS_HUB" link set "c${RUN}r$1" nomaster && NS_CONN[$1]=0
}

net_heal() {
	ip -n "$NS_HUB" link set "c${RUN}r$1" master br0 && NS_CONN[$1]=1
}

# net_teardown: delete every namespace this run made (their veths and
# the bridge go with them).  The processes in them must be gone first.
net_teardown() {
	local ns
	for ns in "${NETNS_MADE[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NETNS_MADE=()
}
