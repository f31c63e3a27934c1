// Package redis is irbot's shared store on Redis (5 or later; tested on
// 7.0), for running several bot processes against one set of data. It keeps
// the store.Store contract exactly as the bolt store does and passes the
// same conformance suite (storetest).
//
// # Connecting
//
// Open takes a URL: redis://[user:pass@]host:port/db, rediss://… for TLS,
// redis-sentinel://[[user:]pass@]host1:port,host2:port/mastername[/db]
// for a Sentinel-managed master, or
// redis-cluster://[[user:]pass@]host1:port,host2:port (rediss-cluster://
// for TLS) for Redis Cluster. Sentinel and cluster clients follow a
// failover by themselves: the Store recovers without being reopened. For
// anything else go-redis can build, pass a ready client with WithClient.
//
// # Redis Cluster: high availability, not capacity
//
// All of a store's keys share one hash tag (see Key layout), so on a
// Cluster they live in one slot, on one master and its replicas. The
// cluster keeps the store available when that master dies (a replica
// takes over) but does not spread its data or its load: adding masters
// adds nothing for irbot. That is the price of atomic commits: a commit
// is one Lua script, and Redis runs a script only on keys of one slot.
// The store is small (incidents, not metrics), so one master's memory and
// CPU are plenty.
//
// # Errors
//
// Methods return the error wrapping store.ErrUnavailable when Redis cannot
// serve now but may soon: connection refused or lost, timeouts, LOADING,
// READONLY, CLUSTERDOWN, TRYAGAIN, MASTERDOWN, MOVED. Callers retry later
// (an HTTP handler answers 503 with Retry-After). Errors do not repeat the
// operation's name; the caller adds what it was doing.
//
// # Logs
//
// go-redis prints its own lines (dial failures, sentinel master switches)
// as plain text on stderr; SetLogger sends them to a *slog.Logger instead.
//
// # Atomicity
//
// Commit is one Lua script: it checks the epoch (see Epoch below), the
// Seen keys, the incident's version and the new events' sequence numbers,
// and only when all pass writes the incident, its timeline, the outbox,
// the timers, the key-value puts and the Seen keys. A failed check writes
// nothing. ClaimTimers is one script too, so two processes never claim the
// same timer while its lease lasts. Values are JSON, encoded in Go exactly
// as the bolt store encodes them; the scripts only move the strings.
//
// Incident numbers taken with Tx.TakeID (see store.IDPeeker) are checked
// and advanced inside the same script, so a failed commit leaves no gap.
//
// # Durability
//
// A commit acknowledged by a server that runs without AOF (appendonly
// yes, appendfsync everysec or always) can be lost when that server dies,
// unlike bolt's fsynced file. Replication is asynchronous, so a commit the
// master acknowledged can also be lost when a replica takes over before
// it got there. Replica acknowledgement closes that gap: with it on,
// Commit and ClaimTimers send WAIT after their script, on the same
// connection, and return only once that many replicas hold the write
// (ClaimTimers too, so a lease survives a failover and a timer is not
// handed out twice). It is on (1 replica) for redis-sentinel and
// redis-cluster URLs and off for redis URLs; set it with
// replica_ack=N&replica_ack_timeout=1s in the URL or WithReplicaAck. The
// wait asks for no more replicas than the master reports online (read
// with INFO at most once a second), so a master left without replicas
// after a failover goes on committing: there is no replica that could
// take over without the write. When online replicas do not confirm in
// time, the call returns an error wrapping store.ErrUnavailable.
//
// When Commit returns an error other than ErrConflict or ErrDuplicate (a
// network failure, a timeout, ErrUnavailable) the commit may or may not
// have been applied; retrying a commit that carries Seen keys is safe.
//
// # Epoch
//
// A Redis that restarts without persistence comes back empty, and a bot
// that carried on would report ready and page from an empty store. So the
// store keeps an epoch: a key holding a random id and the time it was
// made. Open creates it when it is missing (SET NX, so stores opened at
// once agree on one epoch) and remembers the epoch it found or made:
//
//   - on an empty Redis (a fresh install) it creates the epoch;
//   - on data without an epoch (written by an irbot older than the epoch)
//     it adopts the data and creates the epoch;
//   - otherwise it takes the existing epoch, so every Store open on one
//     server and prefix holds the same one.
//
// Afterwards the key must keep holding that epoch. Check compares it in
// one GET, for readiness probes. Commit and ClaimTimers compare it inside
// their scripts and refuse with ErrWiped when it is gone or different, so
// a bot whose data vanished under it never writes or fires timers as if
// nothing happened; reads go on and see what is there. Restarting the bot
// opens the store as it is now, with a new epoch when the old one is gone.
//
// The epoch catches data lost while a Store is open. A Redis emptied while
// no irbot runs looks like a fresh install to the next Open; only
// persistence (appendonly yes) prevents that. An eviction policy that can
// drop the epoch key (allkeys-*) also reads as a wipe; run Redis with
// maxmemory-policy noeviction, as the store's data must not be evicted
// either.
//
// # Key layout
//
// Every key starts with the hash tag {prefix} ("{irbot}" by default, see
// WithPrefix), so all of a store's keys hash to one Cluster slot and the
// multi-key scripts are legal on Redis Cluster (see above for what that
// costs).
//
//	{p}:epoch         string  "<random id>@<creation time>" (see Epoch)
//	{p}:seq:<name>    string  NextID counter (INCR; Commit's TakeID sets it)
//	{p}:inc           hash    incident id → incident JSON
//	{p}:inc:ver       hash    incident id → version (checked by Commit)
//	{p}:inc:open      zset    ids of open incidents, score = id
//	{p}:tl:<id>       zset    incident id's events, score = seq, member = event JSON
//	{p}:outbox        hash    message id → message JSON
//	{p}:outbox:order  zset    message ids, score = id (commit order)
//	{p}:outbox:seq    string  last message id (INCR)
//	{p}:timers        hash    timer id → timer JSON
//	{p}:timers:due    zset    <due key><timer id>, all scores 0 (lexicographic)
//	{p}:timers:ready  zset    <max(due, lease end) key><timer id>, all scores 0
//	{p}:timers:meta   hash    timer id → <due key><ready key><lease owner>
//	{p}:seen          hash    idempotency key → time recorded (RFC 3339)
//	{p}:kv            hash    key → value
//
// A time key is the time's Unix nanoseconds, sign bit flipped, as 20
// decimal digits, so the index members sort by exact time (a double score
// cannot hold nanoseconds) and then by timer id, like bolt's due index. The
// separate ready index keeps ClaimTimers at O(log n + limit) however many
// timers are leased: a claim moves the timer's ready member to the lease's
// end.
//
// Seen keys are kept forever, without a TTL, because idempotency has to
// outlive restarts and redeliveries; the seen hash grows by one small
// field per handled update, alert and fired timer (tens of bytes each).
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// DefaultPrefix is the key prefix used when WithPrefix is not given.
const DefaultPrefix = "irbot"

// pingTimeout bounds Open's PING when ctx has no deadline.
const pingTimeout = 10 * time.Second

// Store is a store.Store on Redis. It is safe for concurrent use by many
// goroutines and by many processes sharing one server and prefix.
type Store struct {
	rdb    goredis.UniversalClient
	owned  bool // Close closes rdb
	prefix string
	k      keys
	epoch  string    // the epoch key's value at Open
	ack    ackConfig // replicas that must hold a commit or claim
	online replicaCache

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

type keys struct {
	inc, incVer, incOpen          string
	outbox, outboxOrder, outboxSq string
	timers, due, ready, meta      string
	seen, kv, epoch               string
}

// Option configures Open.
type Option func(*config)

type config struct {
	prefix string
	client goredis.UniversalClient
	ack    *ackConfig
}

// WithPrefix sets the key prefix (default DefaultPrefix). Stores with
// different prefixes on one server are independent. The prefix must not
// be empty nor contain '{' or '}', since it becomes the keys' hash tag.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithClient makes Open use c instead of building a client from the URL,
// which is then ignored (pass ""). Use it for options the URL cannot
// express. c must be a *goredis.Client (plain or from
// goredis.NewFailoverClient) or a *goredis.ClusterClient when replicas are
// to acknowledge writes (WithReplicaAck). The Store does not own c: Close
// leaves it open.
func WithClient(c goredis.UniversalClient) Option { return func(cf *config) { cf.client = c } }

// WithReplicaAck makes Commit and ClaimTimers return only once n replicas
// of the master hold the write, waiting up to timeout (0: the default,
// DefaultReplicaAckTimeout), as the URL's replica_ack and
// replica_ack_timeout do; it overrides them. n = 0 turns the wait off. See
// Durability in the package doc.
func WithReplicaAck(n int, timeout time.Duration) Option {
	return func(c *config) {
		if timeout <= 0 {
			timeout = DefaultReplicaAckTimeout
		}
		c.ack = &ackConfig{replicas: max(n, 0), timeout: timeout}
	}
}

// Open connects to the Redis named by url, checks it answers PING, and
// creates or takes the store's epoch (see the package doc). When
// unreachable, the error names the host but never a password.
//
// The URL is one of
//
//	redis://[[user]:pass@]host[:port][/db][?option=value…]
//	rediss://…  (the same, over TLS)
//	redis-sentinel://[[user:]pass@]host1:port,host2:port/mastername[/db][?sentinel_password=…&sentinel_username=…]
//	redis-cluster://[[user:]pass@]host1:port,host2:port…[/][?option=value…]
//	rediss-cluster://…  (the same, over TLS)
//
// redis and rediss URLs take go-redis's options (goredis.ParseURL:
// dial_timeout, pool_size, skip_verify, …), cluster URLs go-redis's
// cluster options (goredis.ParseClusterURL: max_redirects, …). In a
// sentinel URL the user and password authenticate against the master and
// replicas; sentinels that require a password of their own get it from
// sentinel_password. A sentinel host without a port gets 26379, a cluster
// host 6379. The cluster hosts are seeds: one reachable node is enough to
// find the others. Every kind takes replica_ack and replica_ack_timeout
// (see Durability). When Redis is unreachable the error wraps
// store.ErrUnavailable.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cf := config{prefix: DefaultPrefix}
	for _, o := range opts {
		o(&cf)
	}
	if cf.prefix == "" || strings.ContainsAny(cf.prefix, "{}") {
		return nil, fmt.Errorf("redis store: bad key prefix %q: must be non-empty, without '{' or '}'", cf.prefix)
	}
	t := &target{client: cf.client}
	owned := cf.client == nil
	if owned {
		var err error
		if t, err = dial(url); err != nil {
			return nil, err
		}
	} else {
		t.where = describe(cf.client)
	}
	if cf.ack != nil {
		t.ack = *cf.ack
	}
	if err := checkAck(t.client, t.ack); err != nil {
		if owned {
			t.client.Close()
		}
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	if err := t.client.Ping(ctx).Err(); err != nil {
		if owned {
			t.client.Close()
		}
		return nil, openError(fmt.Sprintf("redis store: cannot reach %s: %v", t.where, err), t.secrets, err)
	}
	s := newStore(t.client, owned, cf.prefix)
	s.ack = t.ack
	epoch, err := openEpoch(ctx, s.rdb, s.k.epoch)
	if err != nil {
		if owned {
			t.client.Close()
		}
		return nil, openError(fmt.Sprintf("redis store: open epoch on %s: %v", t.where, err), t.secrets, err)
	}
	s.epoch = epoch
	return s, nil
}

// openError is Open's failure: msg with the secrets removed, wrapping
// store.ErrUnavailable when cause is transient (so a caller may retry
// Open) but never cause itself, whose text could hold a password.
func openError(msg string, secrets []string, cause error) error {
	e := &redactedError{msg: redact(msg, secrets)}
	if transient(cause) {
		e.is = store.ErrUnavailable
	}
	return e
}

type redactedError struct {
	msg string
	is  error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.is }

func newStore(c goredis.UniversalClient, owned bool, prefix string) *Store {
	p := "{" + prefix + "}:"
	return &Store{rdb: c, owned: owned, prefix: prefix, k: keys{
		inc: p + "inc", incVer: p + "inc:ver", incOpen: p + "inc:open",
		outbox: p + "outbox", outboxOrder: p + "outbox:order", outboxSq: p + "outbox:seq",
		timers: p + "timers", due: p + "timers:due", ready: p + "timers:ready", meta: p + "timers:meta",
		seen: p + "seen", kv: p + "kv", epoch: p + "epoch",
	}}
}

// describe names where a caller's client points, for error messages.
func describe(c goredis.UniversalClient) string {
	switch c := c.(type) {
	case *goredis.Client:
		return c.Options().Addr
	case *goredis.ClusterClient:
		return "cluster " + strings.Join(c.Options().Addrs, ",")
	case *goredis.Ring:
		return "ring"
	}
	return "the given client"
}

// Prefix returns the key prefix (without braces).
func (s *Store) Prefix() string { return s.prefix }

// Client returns the underlying client.
func (s *Store) Client() goredis.UniversalClient { return s.rdb }

// Close closes the client if Open created it. Closing twice is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.owned {
			s.closeErr = s.rdb.Close()
		}
	})
	return s.closeErr
}

func (s *Store) key(parts ...string) string {
	return "{" + s.prefix + "}:" + strings.Join(parts, ":")
}

func (s *Store) timelineKey(id int64) string { return s.key("tl", strconv.FormatInt(id, 10)) }

// timeKey encodes t as 20 decimal digits that sort like t: Unix
// nanoseconds (clamped to what int64 holds) with the sign bit flipped.
func timeKey(t time.Time) string {
	var ns int64
	switch {
	case t.Before(minTime):
		ns = math.MinInt64
	case t.After(maxTime):
		ns = math.MaxInt64
	default:
		ns = t.UnixNano()
	}
	return fmt.Sprintf("%020d", uint64(ns)^(1<<63))
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// parseTimeKey decodes the first 20 characters of an index member.
func parseTimeKey(m string) (time.Time, error) {
	if len(m) < 20 {
		return time.Time{}, fmt.Errorf("bad timer index member %q", m)
	}
	u, err := strconv.ParseUint(m[:20], 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad timer index member %q", m)
	}
	return time.Unix(0, int64(u^(1<<63))), nil
}

// NextID implements store.Store.
func (s *Store) NextID(ctx context.Context, seq string) (int64, error) {
	n, err := s.rdb.Incr(ctx, s.key("seq", seq)).Result()
	return n, s.fail(ctx, err)
}

// PeekID implements store.IDPeeker: Commit honours Tx.TakeID, checking
// and advancing the sequence inside its script.
func (s *Store) PeekID(ctx context.Context, seq string) (int64, error) {
	v, err := s.rdb.Get(ctx, s.key("seq", seq)).Result()
	if errors.Is(err, goredis.Nil) {
		return 1, nil
	}
	if err != nil {
		return 0, s.fail(ctx, err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sequence %s holds %q, not a number", seq, v)
	}
	return n + 1, nil
}

var _ store.IDPeeker = (*Store)(nil)

// Incident implements store.Store.
func (s *Store) Incident(ctx context.Context, id int64) (*bot.Incident, error) {
	v, err := s.rdb.HGet(ctx, s.k.inc, strconv.FormatInt(id, 10)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	inc := new(bot.Incident)
	if err := json.Unmarshal([]byte(v), inc); err != nil {
		return nil, fmt.Errorf("decode incident %d: %w", id, err)
	}
	return inc, nil
}

// Incidents implements store.Store. The open ones come from an index kept
// by Commit, so listing them does not read closed incidents.
func (s *Store) Incidents(ctx context.Context, open bool) ([]*bot.Incident, error) {
	var raw []string
	if open {
		var err error
		if raw, err = s.fetch(ctx, s.k.incOpen, s.k.inc, 0, -1, 0); err != nil {
			return nil, err
		}
	} else {
		m, err := s.rdb.HGetAll(ctx, s.k.inc).Result()
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		raw = make([]string, 0, len(m))
		for _, v := range m {
			raw = append(raw, v)
		}
	}
	out := make([]*bot.Incident, 0, len(raw))
	for _, v := range raw {
		inc := new(bot.Incident)
		if err := json.Unmarshal([]byte(v), inc); err != nil {
			return nil, fmt.Errorf("decode incident: %w", err)
		}
		out = append(out, inc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// fetch runs fetchScript: the values of hash h named by members start..stop
// of zset z, each member cut by cut characters.
func (s *Store) fetch(ctx context.Context, z, h string, start, stop int64, cut int) ([]string, error) {
	out, err := fetchScript.Run(ctx, s.rdb, []string{z, h}, start, stop, cut).StringSlice()
	return out, s.fail(ctx, err)
}

// Timeline implements store.Store.
func (s *Store) Timeline(ctx context.Context, id int64, after int64) ([]bot.Event, error) {
	raw, err := s.rdb.ZRangeByScore(ctx, s.timelineKey(id), &goredis.ZRangeBy{
		Min: "(" + strconv.FormatInt(after, 10), Max: "+inf",
	}).Result()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	var out []bot.Event
	for _, v := range raw {
		var e bot.Event
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			return nil, fmt.Errorf("decode event of incident %d: %w", id, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// outboxHead is how every encoded bot.Outgoing with an empty ID begins:
// Commit sends the rest, the script puts the assigned ID in front.
const outboxHead = `{"id":""`

// Commit implements store.Store, and honours Tx.TakeID (see
// store.IDPeeker). It returns an error wrapping ErrWiped, and writes
// nothing, when the store's epoch is no longer the one it opened with (see
// Check); one wrapping store.ErrUnavailable when Redis could not be
// reached or, with replica acknowledgement on, the replicas did not
// confirm the write in time (it may then have been applied).
func (s *Store) Commit(ctx context.Context, t *store.Tx) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.Incident == nil && len(t.Events) > 0 {
		return errors.New("events without an incident")
	}
	if t.TakeID != "" && (t.Incident == nil || t.Incident.Version != 0 || t.Incident.ID <= 0) {
		return errors.New("TakeID needs a new incident (version 0) with the peeked number as its id")
	}
	now := time.Now().UTC().Format(time.RFC3339)
	args := []any{now, "0", "0", "0", "0", "", "0", s.epoch, "", ""}
	seq := s.key("seq", "none")
	if t.TakeID != "" {
		seq = s.key("seq", t.TakeID)
		args[8], args[9] = strconv.FormatInt(t.Incident.ID-1, 10), strconv.FormatInt(t.Incident.ID, 10)
	}
	tl := s.key("tl", "none")
	var newVersion int64
	if inc := t.Incident; inc != nil {
		c := *inc
		c.Version++
		newVersion = c.Version
		v, err := json.Marshal(&c)
		if err != nil {
			return err
		}
		open := "0"
		if c.Open() {
			open = "1"
		}
		args[1], args[2], args[3], args[4], args[5], args[6] = "1", strconv.FormatInt(inc.ID, 10),
			strconv.FormatInt(inc.Version, 10), strconv.FormatInt(newVersion, 10), v, open
		tl = s.timelineKey(inc.ID)
	}

	args = append(args, len(t.Seen))
	for _, k := range t.Seen {
		args = append(args, k)
	}
	args = append(args, len(t.Events))
	for _, e := range t.Events {
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		args = append(args, strconv.FormatInt(e.Seq, 10), v)
	}
	args = append(args, len(t.Outbox))
	for _, m := range t.Outbox {
		m.ID = ""
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(string(v), outboxHead) {
			return fmt.Errorf("outbox message encodes as %.20q…, want it to start with %s", v, outboxHead)
		}
		args = append(args, v[len(outboxHead):])
	}
	args = append(args, len(t.CancelTimers))
	for _, id := range t.CancelTimers {
		args = append(args, id)
	}
	args = append(args, len(t.SetTimers))
	for _, tm := range t.SetTimers {
		v, err := json.Marshal(tm)
		if err != nil {
			return err
		}
		args = append(args, tm.ID, timeKey(tm.Due), v)
	}
	args = append(args, len(t.Put))
	for k, v := range t.Put {
		args = append(args, k, v)
	}

	keys := []string{s.k.seen, s.k.inc, s.k.incVer, s.k.incOpen, tl,
		s.k.outbox, s.k.outboxOrder, s.k.outboxSq,
		s.k.timers, s.k.due, s.k.ready, s.k.meta, s.k.kv, s.k.epoch, seq}
	res, err := s.run(ctx, func(res []string) bool { return len(res) > 0 && res[0] == "ok" }, commitScript, keys, args...)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		return errors.New("empty reply from the commit script")
	}
	switch res[0] {
	case "ok":
	case "duplicate":
		return store.ErrDuplicate
	case "conflict":
		return store.ErrConflict
	case "taken":
		return fmt.Errorf("number %d of sequence %s already taken (last is %s): %w", t.Incident.ID, t.TakeID, res[1], store.ErrConflict)
	case "event":
		return fmt.Errorf("event #%s of incident %d already recorded: %w", res[1], t.Incident.ID, store.ErrConflict)
	case "wiped":
		return s.wiped(res[1])
	default:
		return fmt.Errorf("unexpected reply from the commit script: %q", res)
	}
	ids := res[1:]
	if len(ids) != len(t.Outbox) {
		return fmt.Errorf("commit script assigned %d outbox ids for %d messages", len(ids), len(t.Outbox))
	}
	if t.Incident != nil {
		t.Incident.Version = newVersion
	}
	for i := range t.Outbox {
		t.Outbox[i].ID = ids[i]
	}
	return nil
}

// Seen implements store.Store.
func (s *Store) Seen(ctx context.Context, key string) (bool, error) {
	ok, err := s.rdb.HExists(ctx, s.k.seen, key).Result()
	return ok, s.fail(ctx, err)
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (string, error) {
	v, err := s.rdb.HGet(ctx, s.k.kv, key).Result()
	if errors.Is(err, goredis.Nil) {
		return "", store.ErrNotFound
	}
	return v, s.fail(ctx, err)
}

// Outbox implements store.Store.
func (s *Store) Outbox(ctx context.Context, limit int) ([]bot.Outgoing, error) {
	if limit <= 0 {
		return nil, nil
	}
	raw, err := s.fetch(ctx, s.k.outboxOrder, s.k.outbox, 0, int64(limit)-1, 0)
	if err != nil {
		return nil, err
	}
	var out []bot.Outgoing
	for _, v := range raw {
		var m bot.Outgoing
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("decode outbox message: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

func checkOutboxID(id string) error {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return fmt.Errorf("bad outbox id %q", id)
	}
	return nil
}

// UpdateOutgoing implements store.Store.
func (s *Store) UpdateOutgoing(ctx context.Context, m bot.Outgoing) error {
	if err := checkOutboxID(m.ID); err != nil {
		return err
	}
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.fail(ctx, updateScript.Run(ctx, s.rdb, []string{s.k.outbox}, m.ID, v).Err())
}

// Delivered implements store.Store.
func (s *Store) Delivered(ctx context.Context, id string) error {
	if err := checkOutboxID(id); err != nil {
		return err
	}
	_, err := s.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.HDel(ctx, s.k.outbox, id)
		p.ZRem(ctx, s.k.outboxOrder, id)
		return nil
	})
	return s.fail(ctx, err)
}

// ClaimTimers implements store.Store. The result is in due order. When
// more than limit timers are claimable, the ones whose turn came first
// (due, or lease ended) are taken, which for timers reclaimed after a
// lease ran out can differ from bolt's strict due order. It returns an
// error wrapping ErrWiped, and claims nothing, when the store's epoch is
// no longer the one it opened with (see Check); one wrapping
// store.ErrUnavailable as Commit does, having then returned no timer to
// anyone (a claim applied but not confirmed holds its timers until the
// lease runs out).
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]bot.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	bound := "(" + timeKey(now.Add(time.Nanosecond))
	res, err := s.run(ctx, func(res []string) bool { return len(res) > 1 }, claimScript, []string{s.k.timers, s.k.ready, s.k.meta, s.k.epoch},
		bound, timeKey(now.Add(lease)), owner, limit, s.epoch)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, errors.New("empty reply from the claim script")
	}
	switch res[0] {
	case "ok":
	case "wiped":
		return nil, s.wiped(res[1])
	default:
		return nil, fmt.Errorf("unexpected reply from the claim script: %q", res)
	}
	raw := res[1:]
	type claimed struct {
		key string // due key + id: the due index's order
		t   bot.Timer
	}
	cs := make([]claimed, len(raw))
	for i, v := range raw {
		if err := json.Unmarshal([]byte(v), &cs[i].t); err != nil {
			return nil, fmt.Errorf("decode timer: %w", err)
		}
		cs[i].key = timeKey(cs[i].t.Due) + cs[i].t.ID
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].key < cs[j].key })
	var out []bot.Timer
	for _, c := range cs {
		out = append(out, c.t)
	}
	return out, nil
}

// NextTimer implements store.Store.
func (s *Store) NextTimer(ctx context.Context) (time.Time, bool, error) {
	ms, err := s.rdb.ZRange(ctx, s.k.due, 0, 0).Result()
	if err != nil || len(ms) == 0 {
		return time.Time{}, false, s.fail(ctx, err)
	}
	due, err := parseTimeKey(ms[0])
	if err != nil {
		return time.Time{}, false, err
	}
	return due, true, nil
}

// Timers implements store.Store.
func (s *Store) Timers(ctx context.Context) ([]bot.Timer, error) {
	raw, err := s.fetch(ctx, s.k.due, s.k.timers, 0, -1, 20)
	if err != nil {
		return nil, err
	}
	var out []bot.Timer
	for _, v := range raw {
		var tm bot.Timer
		if err := json.Unmarshal([]byte(v), &tm); err != nil {
			return nil, fmt.Errorf("decode timer: %w", err)
		}
		out = append(out, tm)
	}
	return out, nil
}
