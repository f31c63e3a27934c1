package redis

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// target is a parsed store URL: the client to build, where it points (for
// messages), the secrets to keep out of them, and the replica
// acknowledgement the URL asks for.
type target struct {
	client  goredis.UniversalClient
	where   string
	secrets []string
	ack     ackConfig
}

// ackConfig is how many replicas must hold a commit or claim before it
// returns, and how long to wait for them (see Durability in the package
// doc).
type ackConfig struct {
	replicas int
	timeout  time.Duration
}

// DefaultReplicaAckTimeout is how long Commit and ClaimTimers wait for
// replicas to acknowledge a write, unless the URL's replica_ack_timeout or
// WithReplicaAck says otherwise.
const DefaultReplicaAckTimeout = time.Second

const urlSchemes = "redis://host:port/db, rediss://…, redis-sentinel://host:port,…/master, redis-cluster://host:port,host:port or rediss-cluster://…"

// dial builds the client for a redis://, rediss://, redis-sentinel://,
// redis-cluster:// or rediss-cluster:// URL. It does not connect. Errors
// never contain the URL's passwords.
func dial(raw string) (*target, error) {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, errors.New("redis store: URL must look like " + urlSchemes)
	}
	switch scheme {
	case "redis", "rediss":
		rest, ack, err := cutAck(raw, 0)
		if err != nil {
			return nil, err
		}
		opt, err := goredis.ParseURL(rest)
		if err != nil {
			return nil, fmt.Errorf("redis store: bad URL: %w", stripURL(err))
		}
		return &target{client: goredis.NewClient(opt), where: opt.Addr, secrets: []string{opt.Password}, ack: ack}, nil
	case "redis-sentinel":
		opt, ack, err := parseSentinelURL(raw)
		if err != nil {
			return nil, err
		}
		return &target{
			client:  goredis.NewFailoverClient(opt),
			where:   fmt.Sprintf("master %q via sentinels %s", opt.MasterName, strings.Join(opt.SentinelAddrs, ",")),
			secrets: []string{opt.Password, opt.SentinelPassword},
			ack:     ack,
		}, nil
	case "redis-cluster", "rediss-cluster":
		opt, ack, err := parseClusterURL(raw)
		if err != nil {
			return nil, err
		}
		return &target{
			client:  goredis.NewClusterClient(opt),
			where:   "cluster " + strings.Join(opt.Addrs, ","),
			secrets: []string{opt.Password},
			ack:     ack,
		}, nil
	default:
		return nil, fmt.Errorf("redis store: unsupported URL scheme %q (want redis, rediss, redis-sentinel, redis-cluster or rediss-cluster)", scheme)
	}
}

// cutAck removes the store's own query parameters, replica_ack and
// replica_ack_timeout, from raw and returns the rest (for go-redis's
// parsers, which refuse unknown parameters) and the acknowledgement they
// ask for; def is the number of replicas when replica_ack is absent.
func cutAck(raw string, def int) (string, ackConfig, error) {
	ack := ackConfig{replicas: def, timeout: DefaultReplicaAckTimeout}
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw, ack, nil
	}
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "replica_ack":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return "", ack, fmt.Errorf("redis store: bad URL: replica_ack=%q: want a number of replicas, 0 or more", v)
			}
			ack.replicas = n
		case "replica_ack_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return "", ack, fmt.Errorf("redis store: bad URL: replica_ack_timeout=%q: want a duration such as 500ms", v)
			}
			ack.timeout = d
		default:
			kept = append(kept, kv)
		}
	}
	if len(kept) == 0 {
		return base, ack, nil
	}
	return base + "?" + strings.Join(kept, "&"), ack, nil
}

// stripURL replaces a *url.Error, whose message quotes the whole URL with
// its password, by the error inside it.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// splitAuthority parses "[[user:]pass@]host[:port],host[:port]…" (a
// password alone needs no colon) and gives each host without a port
// defPort. what names the URL kind in errors.
func splitAuthority(authority, defPort, what string) (user, pass string, hosts []string, err error) {
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userinfo := authority[:at]
		authority = authority[at+1:]
		u, p, hasColon := strings.Cut(userinfo, ":")
		if !hasColon {
			u, p = "", userinfo
		}
		if user, err = url.PathUnescape(u); err != nil {
			return "", "", nil, fmt.Errorf("redis store: bad %s URL: bad escape in user name", what)
		}
		if pass, err = url.PathUnescape(p); err != nil {
			return "", "", nil, fmt.Errorf("redis store: bad %s URL: bad escape in password", what)
		}
	}
	for _, h := range strings.Split(authority, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defPort)
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return "", "", nil, fmt.Errorf("redis store: bad %s URL: no hosts", what)
	}
	return user, pass, hosts, nil
}

// parseSentinelURL parses
//
//	redis-sentinel://[[user:]pass@]host1:port,host2:port/mastername[/db][?sentinel_password=…&sentinel_username=…&option=value…]
//
// The userinfo authenticates against the master and replicas (the data
// nodes); sentinels protected by a password of their own take it from the
// sentinel_password (and sentinel_username) query parameters. A host
// without a port gets the sentinel port 26379. Other options are the
// store's replica_ack (default 1) and replica_ack_timeout, and go-redis's
// failover options (goredis.ParseFailoverURL: dial_timeout, max_retries,
// pool_size, …) except those the URL says otherwise.
func parseSentinelURL(raw string) (*goredis.FailoverOptions, ackConfig, error) {
	raw, ack, err := cutAck(raw, 1)
	if err != nil {
		return nil, ack, err
	}
	rest := strings.TrimPrefix(raw, "redis-sentinel://")
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	opt := &goredis.FailoverOptions{}
	opt.Username, opt.Password, opt.SentinelAddrs, err = splitAuthority(authority, "26379", "sentinel")
	if err != nil {
		if strings.HasSuffix(err.Error(), "no hosts") {
			err = errors.New("redis store: bad sentinel URL: no sentinel hosts")
		}
		return nil, ack, err
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] == "" {
		return nil, ack, errors.New("redis store: bad sentinel URL: no master name (redis-sentinel://host:port/mastername)")
	}
	name, err := url.PathUnescape(parts[0])
	if err != nil {
		return nil, ack, errors.New("redis store: bad sentinel URL: bad escape in master name")
	}
	opt.MasterName = name
	switch len(parts) {
	case 1:
	case 2:
		if opt.DB, err = strconv.Atoi(parts[1]); err != nil || opt.DB < 0 {
			return nil, ack, fmt.Errorf("redis store: bad sentinel URL: bad database number %q", parts[1])
		}
	default:
		return nil, ack, errors.New("redis store: bad sentinel URL: path must be /mastername or /mastername/db")
	}
	if query == "" {
		return opt, ack, nil
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, ack, errors.New("redis store: bad sentinel URL: bad query")
	}
	for k, v := range q {
		switch k {
		case "sentinel_password":
			opt.SentinelPassword = v[len(v)-1]
		case "sentinel_username":
			opt.SentinelUsername = v[len(v)-1]
		case "master_name", "addr", "db", "username", "password":
			return nil, ack, fmt.Errorf("redis store: bad sentinel URL: unknown parameter %q", k)
		default:
			continue
		}
		q.Del(k)
	}
	if len(q) == 0 {
		return opt, ack, nil
	}
	// The rest are go-redis's options (timeouts, retries, pool); its
	// parser reads them, with nothing secret in the URL it sees.
	tuned, err := goredis.ParseFailoverURL("redis://seed/?" + q.Encode())
	if err != nil {
		return nil, ack, errors.New(redact("redis store: bad sentinel URL: "+stripURL(err).Error(),
			[]string{opt.Password, opt.SentinelPassword}))
	}
	tuned.SentinelAddrs, tuned.MasterName, tuned.DB = opt.SentinelAddrs, opt.MasterName, opt.DB
	tuned.Username, tuned.Password = opt.Username, opt.Password
	tuned.SentinelUsername, tuned.SentinelPassword = opt.SentinelUsername, opt.SentinelPassword
	return tuned, ack, nil
}

// parseClusterURL parses
//
//	redis-cluster://[[user:]pass@]host1:port,host2:port…[/][?option=value…]
//	rediss-cluster://…  (the same, over TLS)
//
// The hosts are seeds: any reachable node tells the client the rest of the
// cluster. A host without a port gets 6379. A cluster has only database 0,
// so the path is empty, "/" or "/0". The options are go-redis's cluster
// options (goredis.ParseClusterURL: dial_timeout, max_redirects,
// pool_size, …) and the store's replica_ack (default 1) and
// replica_ack_timeout.
func parseClusterURL(raw string) (*goredis.ClusterOptions, ackConfig, error) {
	raw, ack, err := cutAck(raw, 1)
	if err != nil {
		return nil, ack, err
	}
	scheme, rest, _ := strings.Cut(raw, "://")
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	user, pass, hosts, err := splitAuthority(authority, "6379", "cluster")
	if err != nil {
		return nil, ack, err
	}
	if p := strings.Trim(path, "/"); p != "" && p != "0" {
		return nil, ack, fmt.Errorf("redis store: bad cluster URL: path %q: Redis Cluster has only database 0", "/"+path)
	}
	// go-redis parses the options; hosts and userinfo stay out of its
	// URL, so its errors cannot quote them.
	q := url.Values{}
	if query != "" {
		if q, err = url.ParseQuery(query); err != nil {
			return nil, ack, errors.New("redis store: bad cluster URL: bad query")
		}
		if q.Has("addr") {
			return nil, ack, errors.New("redis store: bad cluster URL: list the nodes as host:port,host:port, not addr=")
		}
	}
	opt, err := goredis.ParseClusterURL("redis://seed/?" + q.Encode())
	if err != nil {
		return nil, ack, errors.New(redact("redis store: bad cluster URL: "+stripURL(err).Error(), []string{pass}))
	}
	opt.Addrs = hosts
	opt.Username, opt.Password = user, pass
	if scheme == "rediss-cluster" {
		// No ServerName: each node's certificate is checked against the
		// host the client dials, seed or node announced by the cluster.
		opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return opt, ack, nil
}

// redact removes every non-empty secret from s.
func redact(s string, secrets []string) string {
	for _, p := range secrets {
		if p != "" {
			s = strings.ReplaceAll(s, p, "[redacted]")
		}
	}
	return s
}

// RedactURL returns the store URL raw fit for logs and messages: the
// password in its userinfo and the values of password parameters
// (sentinel_password) replaced by "xxxxx". Unlike url.URL.Redacted it
// handles the comma-separated hosts of sentinel and cluster URLs, which
// net/url does not parse.
func RedactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	rest, query, hasQuery := strings.Cut(rest, "?")
	authority, path, hasPath := strings.Cut(rest, "/")
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		user, _, hasColon := strings.Cut(authority[:at], ":")
		if !hasColon {
			user = "" // a sentinel URL's lone userinfo is the password
		}
		authority = user + ":xxxxx@" + authority[at+1:]
	}
	out := scheme + "://" + authority
	if hasPath {
		out += "/" + path
	}
	if hasQuery {
		params := strings.Split(query, "&")
		for i, p := range params {
			if k, _, _ := strings.Cut(p, "="); strings.Contains(k, "password") {
				params[i] = k + "=xxxxx"
			}
		}
		out += "?" + strings.Join(params, "&")
	}
	return out
}
