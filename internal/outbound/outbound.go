// Package outbound is the HTTP client for requests Takumi sends to
// addresses that people typed in (webhook endpoints, an organisation's
// external LRS): short timeouts, no redirects followed, no proxy, and in
// production no connection into the operator's own network (SSRF).
package outbound

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"
)

// ErrForbiddenDestination refuses an address inside the operator's network.
var ErrForbiddenDestination = errors.New("destination is a loopback, private or link-local address")

// GuardDial refuses to connect to loopback, private, link-local,
// unspecified and multicast addresses. SECURITY: it runs on the address
// actually dialled, after DNS resolution, so a name that resolves inside
// the network is refused too.
func GuardDial(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return ErrForbiddenDestination
	}
	return nil
}

// Client returns a client whose requests end after timeout, that treats a
// redirect as the answer (never follows it), and that in production
// refuses destinations inside the operator's network (GuardDial).
func Client(production bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if production {
		d.Control = GuardDial
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{DialContext: d.DialContext, Proxy: nil, MaxIdleConnsPerHost: 16, ResponseHeaderTimeout: timeout},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
