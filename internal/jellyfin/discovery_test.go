package jellyfin

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"
)

// TestDiscovery: a client's broadcast question gets the server's id, name
// and an address on the route back to the client; other datagrams get
// nothing.
func TestDiscovery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.rt.ServeDiscovery(ctx, pc, 8096) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("ServeDiscovery: %v", err)
			}
		}()

		client, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		ask := func(msg string) ([]byte, error) {
			if _, err := client.WriteTo([]byte(msg), pc.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			_ = client.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 2048)
			n, _, err := client.ReadFrom(buf)
			return buf[:n], err
		}
		if b, err := ask("hello?"); err == nil {
			t.Errorf("an unrelated datagram was answered: %s", b)
		}
		b, err := ask("Who is JellyfinServer?")
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		var info map[string]any
		if err := json.Unmarshal(b, &info); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if info["Address"] != "http://127.0.0.1:8096" || info["Id"] != s.rt.ServerID().String() || info["Name"] != "testhost" {
			t.Errorf("answer %s", b)
		}
		if v, ok := info["EndpointAddress"]; !ok || v != nil {
			t.Errorf("EndpointAddress: %v (Jellyfin sends null)", v)
		}
	})
}
