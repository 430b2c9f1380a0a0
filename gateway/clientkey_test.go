package gateway

import "testing"

// Anonymous callers are limited by address, IPv6 ones by their /64: a
// subscriber holds a whole /64 and could otherwise take a fresh bucket per
// address.
func TestClientKey(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.7:51000", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:51000", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"not an address", "not an address"},
	} {
		if got := clientKey(tt.remote); got != tt.want {
			t.Errorf("clientKey(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}
