package redis

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// target is a parsed store URL: the client to build, where it points (for
// messages) and the secrets to keep out of them.
type target struct {
	client  goredis.UniversalClient
	where   string
	secrets []string
}

// dial builds the client for a redis://, rediss:// or redis-sentinel://
// URL. It does not connect. Errors never contain the URL's passwords.
func dial(raw string) (*target, error) {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, errors.New("redis store: URL must look like redis://host:port/db, rediss://… or redis-sentinel://host:port,…/master")
	}
	switch scheme {
	case "redis", "rediss":
		opt, err := goredis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("redis store: bad URL: %w", stripURL(err))
		}
		return &target{client: goredis.NewClient(opt), where: opt.Addr, secrets: []string{opt.Password}}, nil
	case "redis-sentinel":
		opt, err := parseSentinelURL(raw)
		if err != nil {
			return nil, err
		}
		return &target{
			client:  goredis.NewFailoverClient(opt),
			where:   fmt.Sprintf("master %q via sentinels %s", opt.MasterName, strings.Join(opt.SentinelAddrs, ",")),
			secrets: []string{opt.Password, opt.SentinelPassword},
		}, nil
	default:
		return nil, fmt.Errorf("redis store: unsupported URL scheme %q (want redis, rediss or redis-sentinel)", scheme)
	}
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

// parseSentinelURL parses
//
//	redis-sentinel://[[user:]pass@]host1:port,host2:port/mastername[/db][?sentinel_password=…&sentinel_username=…]
//
// The userinfo authenticates against the master and replicas (the data
// nodes); sentinels protected by a password of their own take it from the
// sentinel_password (and sentinel_username) query parameters. A host
// without a port gets the sentinel port 26379.
func parseSentinelURL(raw string) (*goredis.FailoverOptions, error) {
	rest := strings.TrimPrefix(raw, "redis-sentinel://")
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	opt := &goredis.FailoverOptions{}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userinfo := authority[:at]
		authority = authority[at+1:]
		user, pass, hasColon := strings.Cut(userinfo, ":")
		if !hasColon {
			user, pass = "", userinfo
		}
		var err error
		if opt.Username, err = url.PathUnescape(user); err != nil {
			return nil, errors.New("redis store: bad sentinel URL: bad escape in user name")
		}
		if opt.Password, err = url.PathUnescape(pass); err != nil {
			return nil, errors.New("redis store: bad sentinel URL: bad escape in password")
		}
	}
	for _, h := range strings.Split(authority, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), "26379")
		}
		opt.SentinelAddrs = append(opt.SentinelAddrs, h)
	}
	if len(opt.SentinelAddrs) == 0 {
		return nil, errors.New("redis store: bad sentinel URL: no sentinel hosts")
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] == "" {
		return nil, errors.New("redis store: bad sentinel URL: no master name (redis-sentinel://host:port/mastername)")
	}
	name, err := url.PathUnescape(parts[0])
	if err != nil {
		return nil, errors.New("redis store: bad sentinel URL: bad escape in master name")
	}
	opt.MasterName = name
	switch len(parts) {
	case 1:
	case 2:
		if opt.DB, err = strconv.Atoi(parts[1]); err != nil || opt.DB < 0 {
			return nil, fmt.Errorf("redis store: bad sentinel URL: bad database number %q", parts[1])
		}
	default:
		return nil, errors.New("redis store: bad sentinel URL: path must be /mastername or /mastername/db")
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, errors.New("redis store: bad sentinel URL: bad query")
		}
		for k, v := range q {
			switch k {
			case "sentinel_password":
				opt.SentinelPassword = v[len(v)-1]
			case "sentinel_username":
				opt.SentinelUsername = v[len(v)-1]
			default:
				return nil, fmt.Errorf("redis store: bad sentinel URL: unknown parameter %q", k)
			}
		}
	}
	return opt, nil
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
