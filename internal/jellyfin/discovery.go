package jellyfin

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
)

// LAN discovery (jellyfin-api.md §3.1): Android TV, Kodi and other clients
// broadcast "Who is JellyfinServer?" to UDP port 7359, and every server
// answers the sender with where to reach it. Every replica may answer; they
// all give the same server id, so a client lists the server once.

// DiscoveryPort is the UDP port Jellyfin listens on for discovery.
const DiscoveryPort = 7359

const discoveryQuestion = "who is jellyfinserver?"

// ServerDiscoveryInfo is the answer to a discovery broadcast.
type ServerDiscoveryInfo struct {
	Address         string
	ID              string `json:"Id"`
	Name            string
	EndpointAddress *string
}

// ServeDiscovery answers discovery broadcasts on pc until ctx ends, with
// http://<the local address that reaches the sender>:<httpPort>. Anything
// else that arrives is ignored: the port is open to the LAN.
func (rt *Router) ServeDiscovery(ctx context.Context, pc net.PacketConn, httpPort int) error {
	go func() {
		<-ctx.Done()
		_ = pc.Close()
	}()
	buf := make([]byte, 1024)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if !strings.Contains(strings.ToLower(string(buf[:n])), discoveryQuestion) {
			continue
		}
		reply, err := rt.discoveryReply(ctx, from, httpPort)
		if err != nil {
			rt.log.Warn("discovery: answer", "from", from.String(), "err", err)
			continue
		}
		if _, err := pc.WriteTo(reply, from); err != nil {
			rt.log.Debug("discovery: send", "to", from.String(), "err", err)
		}
	}
}

func (rt *Router) discoveryReply(ctx context.Context, to net.Addr, httpPort int) ([]byte, error) {
	s, err := rt.store.Settings(ctx, settingServerName)
	if err != nil {
		return nil, err
	}
	name := s[settingServerName]
	if name == "" {
		name = rt.hostName
	}
	host, err := localAddrFor(to)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ServerDiscoveryInfo{
		Address: "http://" + net.JoinHostPort(host, strconv.Itoa(httpPort)),
		ID:      rt.serverID.String(),
		Name:    name,
	})
}

// localAddrFor is this machine's address on the route to addr: connecting
// a UDP socket sends nothing, it only picks the interface.
func localAddrFor(addr net.Addr) (string, error) {
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	host, _, err := net.SplitHostPort(c.LocalAddr().String())
	return host, err
}
