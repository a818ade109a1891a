package hostsfile

import (
	"net/netip"
	"strings"
)

// NameRule says what ValidName accepts, for messages.
const NameRule = "use letters, digits, '-' and '_', in labels of up to 63 characters separated by dots, neither starting nor ending with '-'"

// ValidName reports whether name can be written into /etc/hosts and
// looked up there: RFC 1123 host names, with '_' as Docker's DNS allows (a
// Compose service my_db is reached as my_db), and never an IP address.
func ValidName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
