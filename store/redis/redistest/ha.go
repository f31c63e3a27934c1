package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// NodeTimeout is the failure-detection time of the servers StartHACluster
// and StartSentinelSet start (cluster-node-timeout, sentinel
// down-after-milliseconds): short, so that a failover takes seconds.
const NodeTimeout = time.Second

// persistent turns AOF on (appendfsync everysec), as production runs,
// and lets a master send its data to a new replica at once instead of
// waiting 5 seconds for more replicas to share the transfer.
var persistent = []string{"--appendonly", "yes", "--appendfsync", "everysec", "--repl-diskless-sync-delay", "0"}

// Cluster is a private Redis Cluster of several masters with replicas.
type Cluster struct {
	// Nodes are its servers, masters first.
	Nodes []*Server
}

// Addrs returns every node's host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// URL returns a redis-cluster:// store URL naming every node.
func (c *Cluster) URL() string { return "redis-cluster://" + strings.Join(c.Addrs(), ",") }

// MasterOf returns the node that serves key's slot now.
func (c *Cluster) MasterOf(t testing.TB, key string) *Server {
	t.Helper()
	cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs()})
	defer cc.Close()
	node, err := cc.MasterForKey(context.Background(), key)
	if err != nil {
		t.Fatalf("redistest: master of %q: %v", key, err)
	}
	for _, n := range c.Nodes {
		if n.Addr == node.Options().Addr {
			return n
		}
	}
	t.Fatalf("redistest: master of %q is %s, not one of %v", key, node.Options().Addr, c.Addrs())
	return nil
}

// StartHACluster starts a private Redis Cluster of masters masters with
// replicas replicas each, AOF on and NodeTimeout as cluster-node-timeout,
// waits until every node reports cluster_state:ok and every master counts
// its replicas online, and kills it all when t ends. When redis-server cannot run in
// cluster mode, t is skipped, saying so.
func StartHACluster(t testing.TB, masters, replicas int) *Cluster {
	t.Helper()
	path := serverPath(t)
	n := masters * (1 + replicas)
	c := &Cluster{}
	buses := make([]int, n)
	for i := 0; i < n; i++ {
		srv, err := tryStartServer(t, path, false, func(dir string) []string {
			// The bus port is port+10000 by default, out of range for a
			// high ephemeral port, and perhaps taken: pick one too.
			bus, err := freePort()
			if err != nil {
				t.Fatalf("redistest: %v", err)
			}
			buses[i] = bus
			return append([]string{"--cluster-enabled", "yes", "--cluster-port", fmt.Sprint(bus),
				"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
				"--cluster-node-timeout", fmt.Sprint(NodeTimeout.Milliseconds()),
				"--cluster-replica-validity-factor", "0"}, persistent...)
		})
		if err != nil {
			if i == 0 && strings.Contains(err.Error(), "cluster") {
				t.Skipf("redistest: this redis-server cannot run a cluster: %v", err)
			}
			t.Fatalf("redistest: %v", err)
		}
		c.Nodes = append(c.Nodes, srv)
	}
	ctx := context.Background()
	clients := make([]*goredis.Client, n)
	ids := make([]string, n)
	for i, node := range c.Nodes {
		clients[i] = goredis.NewClient(&goredis.Options{Addr: node.Addr})
		defer clients[i].Close()
		id, err := clients[i].ClusterMyID(ctx).Result()
		if err != nil {
			t.Fatalf("redistest: CLUSTER MYID on %s: %v", node.Addr, err)
		}
		ids[i] = id
	}
	for i, node := range c.Nodes[1:] {
		host, port, _ := net.SplitHostPort(node.Addr)
		if err := clients[0].Do(ctx, "CLUSTER", "MEET", host, port, buses[i+1]).Err(); err != nil {
			t.Fatalf("redistest: CLUSTER MEET %s: %v", node.Addr, err)
		}
	}
	for i := 0; i < masters; i++ {
		lo, hi := i*16384/masters, (i+1)*16384/masters-1
		if err := clients[i].ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("redistest: assign slots %d-%d to %s: %v", lo, hi, c.Nodes[i].Addr, err)
		}
	}
	// A replica can follow its master once it has heard of it.
	var last string
	waitFor(t, "every node knows every other", func() bool {
		for _, cl := range clients {
			nodes, err := cl.ClusterNodes(ctx).Result()
			last = fmt.Sprint(nodes, err)
			if err != nil || strings.Count(strings.TrimSpace(nodes), "\n")+1 != n || strings.Contains(nodes, "handshake") {
				return false
			}
		}
		return true
	}, func() string { return last })
	for r := masters; r < n; r++ {
		m := (r - masters) % masters
		if err := clients[r].ClusterReplicate(ctx, ids[m]).Err(); err != nil {
			t.Fatalf("redistest: %s CLUSTER REPLICATE %s: %v", c.Nodes[r].Addr, c.Nodes[m].Addr, err)
		}
	}
	waitFor(t, "cluster_state:ok everywhere and replicas online", func() bool {
		for i, cl := range clients {
			info, err := cl.ClusterInfo(ctx).Result()
			last = fmt.Sprint(c.Nodes[i].Addr, ": ", info, err)
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
			if i < masters && replicas > 0 {
				repl, err := cl.Info(ctx, "replication").Result()
				last = fmt.Sprint(c.Nodes[i].Addr, ": ", repl, err)
				if err != nil || strings.Count(repl, "state=online") != replicas {
					return false
				}
			}
		}
		return true
	}, func() string { return last })
	return c
}

// StartReplicated starts a private master and one replica of it, both
// with AOF on, waits until the master counts the replica online (in sync,
// acknowledging), and kills both when t ends.
func StartReplicated(t testing.TB) (master, replica *Server) {
	t.Helper()
	path := serverPath(t)
	master = startServer(t, path, false, func(string) []string { return persistent })
	host, port, _ := net.SplitHostPort(master.Addr)
	replica = startServer(t, path, false, func(string) []string {
		return append([]string{"--replicaof", host, port}, persistent...)
	})
	mc := goredis.NewClient(&goredis.Options{Addr: master.Addr})
	defer mc.Close()
	var last string
	waitFor(t, "replica online", func() bool {
		repl, err := mc.Info(context.Background(), "replication").Result()
		last = fmt.Sprint(repl, err)
		return err == nil && strings.Contains(repl, "state=online")
	}, func() string { return last })
	return master, replica
}

// SentinelSet is a private master, its replica and three sentinels that
// watch them.
type SentinelSet struct {
	// Name is the master's name for the sentinels.
	Name      string
	Master    *Server
	Replica   *Server
	Sentinels []*Server
}

// URL returns a redis-sentinel:// store URL naming the three sentinels.
func (s *SentinelSet) URL() string {
	addrs := make([]string, len(s.Sentinels))
	for i, sn := range s.Sentinels {
		addrs[i] = sn.Addr
	}
	return "redis-sentinel://" + strings.Join(addrs, ",") + "/" + s.Name
}

// StartSentinelSet starts a master and one replica, both with AOF on, and
// three sentinels watching them under name with quorum 2 and NodeTimeout
// as down-after-milliseconds. It waits until each sentinel knows the
// replica and the two other sentinels, so that a failover can be agreed,
// and kills it all when t ends.
func StartSentinelSet(t testing.TB, name string) *SentinelSet {
	t.Helper()
	path := serverPath(t)
	set := &SentinelSet{Name: name}
	set.Master, set.Replica = StartReplicated(t)
	host, port, _ := net.SplitHostPort(set.Master.Addr)
	for i := 0; i < 3; i++ {
		set.Sentinels = append(set.Sentinels, startServer(t, path, true, func(dir string) []string {
			conf := filepath.Join(dir, "sentinel.conf")
			text := fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s 2\n"+
				"sentinel down-after-milliseconds %[1]s %[4]d\n"+
				"sentinel failover-timeout %[1]s 10000\n"+
				"sentinel parallel-syncs %[1]s 1\n", name, host, port, NodeTimeout.Milliseconds())
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				t.Fatalf("redistest: %v", err)
			}
			return []string{conf, "--sentinel"}
		}))
	}
	ctx := context.Background()
	var last string
	for _, sn := range set.Sentinels {
		sc := goredis.NewSentinelClient(&goredis.Options{Addr: sn.Addr})
		defer sc.Close()
		waitFor(t, "sentinel "+sn.Addr+" knows the replica and the other sentinels", func() bool {
			reps, err := sc.Replicas(ctx, name).Result()
			if err != nil || len(reps) == 0 {
				last = fmt.Sprint("replicas: ", reps, err)
				return false
			}
			others, err := sc.Sentinels(ctx, name).Result()
			last = fmt.Sprint("sentinels: ", others, err)
			return err == nil && len(others) == 2
		}, func() string { return last })
	}
	return set
}

// waitFor polls ok every 20 ms for up to 20 seconds and fails t, naming
// what and the state seen last, if it never holds.
func waitFor(t testing.TB, what string, ok func() bool, seen func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("redistest: timed out waiting for %s; last seen:\n%s", what, seen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
