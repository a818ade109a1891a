package podspec

// Network is what a component's Compose service says about its place on a
// network that still means something in a pod. Every component shares the
// controller's network namespace and its /etc/hosts: names resolve to the
// pod's loopback address in every component, extra_hosts entries are seen
// by every component, and every port is on one localhost.
type Network struct {
	// Aliases are names that reach the component, as its own name does:
	// links aliases, network aliases and container_name.
	Aliases []Alias `json:",omitempty"`
	// Hosts are the extra_hosts entries, one per address.
	Hosts []Host `json:",omitempty"`
	// Ports are the container ports of ports and expose, for the warning
	// that two components listen on the same one.
	Ports []Port `json:",omitempty"`
}

// Alias is one more name for a component, or for the component a link names.
type Alias struct {
	Name string
	// Link is the service a links entry names (`links: [db:database]`
	// gives Name database, Link db); empty for other aliases.
	Link string `json:",omitempty"`
	// Key is where it was declared, for messages: "links[0]",
	// "networks.front.aliases[1]", "container_name".
	Key string
}

// HostGateway is the extra_hosts address that Docker replaces with its
// host-gateway-ip (the host, seen from containers).
const HostGateway = "host-gateway"

// Host is one extra_hosts entry: a name and one of its addresses.
type Host struct {
	Name string
	// IP is an IPv4 or IPv6 address, or HostGateway.
	IP  string
	Key string
}

// Port is a container port, or a range of them, that a component declares.
type Port struct {
	First, Last uint16
	Protocol    string // tcp, udp or sctp
	Key         string
}
