package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketState is the Socket Mode side of the fake; guarded by Server.mu.
type socketState struct {
	conns   []*socketConn
	queued  [][]byte                   // envelopes pushed while nobody was connected
	acks    map[string]json.RawMessage // envelope id -> acknowledgement payload
	opened  int                        // connections accepted
	nextEnv int
}

func newSocketState() socketState { return socketState{acks: map[string]json.RawMessage{}} }

// socketConn is one Socket Mode connection; writes are serialised.
type socketConn struct {
	c    *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
}

func (c *socketConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.c.WriteMessage(websocket.TextMessage, b)
}

func (c *socketConn) ping() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second))
}

// connectionsOpen answers apps.connections.open, which Socket Mode calls
// with the app-level token, with the URL of the fake's websocket.
func (s *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	p, ok := s.begin(w, r, "apps.connections.open")
	if !ok {
		return
	}
	if tokenOf(r, p) != s.AppToken {
		fail(w, "invalid_auth")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.base, "http") + "ws"})
}

// socket serves a Socket Mode connection: hello, then the envelopes
// pushed with PushSocket, recording each acknowledgement; pings every
// half second keep the client's liveness check happy.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader().Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn := &socketConn{c: c, done: make(chan struct{})}
	defer func() {
		close(conn.done)
		c.Close()
		s.mu.Lock()
		for i, x := range s.sock.conns {
			if x == conn {
				s.sock.conns = append(s.sock.conns[:i], s.sock.conns[i+1:]...)
				break
			}
		}
		s.notify()
		s.mu.Unlock()
	}()
	hello := `{"type":"hello","num_connections":1,"connection_info":{"app_id":"A0IRBOT"},` +
		`"debug_info":{"host":"slackfake","approximate_connection_time":3600}}`
	if conn.write([]byte(hello)) != nil || conn.ping() != nil {
		return
	}
	s.mu.Lock()
	s.sock.conns = append(s.sock.conns, conn)
	s.sock.opened++
	queued := s.sock.queued
	s.sock.queued = nil
	s.notify()
	s.mu.Unlock()
	for _, env := range queued {
		if conn.write(env) != nil {
			return
		}
	}
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-conn.done:
				return
			case <-t.C:
				if conn.ping() != nil {
					return
				}
			}
		}
	}()
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(msg, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.sock.acks[ack.EnvelopeID] = ack.Payload
		s.notify()
		s.mu.Unlock()
	}
}

// closeSockets ends every Socket Mode connection.
func (s *Server) closeSockets() {
	s.mu.Lock()
	conns := append([]*socketConn(nil), s.sock.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		c.c.Close()
	}
}

// Socket Mode envelope types.
const (
	EnvelopeEvents   = "events_api"
	EnvelopeCommand  = "slash_commands"
	EnvelopeInteract = "interactive"
)

// PushSocket sends an envelope of type typ (EnvelopeEvents,
// EnvelopeCommand, EnvelopeInteract) with payload (raw JSON) over Socket
// Mode, now or as soon as a client connects, and returns its envelope id.
func (s *Server) PushSocket(typ string, payload []byte) string {
	s.mu.Lock()
	s.sock.nextEnv++
	id := fmt.Sprintf("env-%04d", s.sock.nextEnv)
	env, _ := json.Marshal(map[string]any{"envelope_id": id, "type": typ, "payload": json.RawMessage(payload),
		"accepts_response_payload": typ != EnvelopeEvents, "retry_attempt": 0, "retry_reason": ""})
	var conn *socketConn
	if len(s.sock.conns) > 0 {
		conn = s.sock.conns[len(s.sock.conns)-1]
	} else {
		s.sock.queued = append(s.sock.queued, env)
	}
	s.mu.Unlock()
	if conn != nil && conn.write(env) != nil {
		s.mu.Lock()
		s.sock.queued = append(s.sock.queued, env)
		s.mu.Unlock()
	}
	return id
}

// Acked reports whether the client acknowledged envelope id.
func (s *Server) Acked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.sock.acks[id]
	return ok
}

// SocketConnections returns how many Socket Mode connections were
// accepted, and how many are open now.
func (s *Server) SocketConnections() (accepted, open int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.opened, len(s.sock.conns)
}
