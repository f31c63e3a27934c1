// Package redis is irbot's shared store on Redis (5 or later; tested on
// 7.0), for running several bot processes against one set of data. It keeps
// the store.Store contract exactly as the bolt store does and passes the
// same conformance suite (storetest).
//
// # Connecting
//
// Open takes a URL: redis://[user:pass@]host:port/db, rediss://… for TLS,
// or redis-sentinel://[[user:]pass@]host1:port,host2:port/mastername[/db]
// for a Sentinel-managed master. For Redis Cluster or anything else
// go-redis can build, pass a ready client with WithClient.
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
// Durability is Redis's: a commit acknowledged by a server that runs
// without AOF (appendonly yes, appendfsync everysec or always) or replicas
// can be lost when that server dies, unlike bolt's fsynced file. When
// Commit returns an error other than ErrConflict or ErrDuplicate (a network
// failure, a timeout) the commit may or may not have been applied;
// retrying a commit that carries Seen keys is safe.
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
// multi-key scripts are legal on Redis Cluster. The trade-off: on a
// Cluster the store's data lives on one shard and is not spread across
// slots; the store is small (incidents, not metrics), so that is meant.
//
//	{p}:epoch         string  "<random id>@<creation time>" (see Epoch)
//	{p}:seq:<name>    string  NextID counter (INCR)
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
	epoch  string // the epoch key's value at Open

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
}

// WithPrefix sets the key prefix (default DefaultPrefix). Stores with
// different prefixes on one server are independent. The prefix must not
// be empty nor contain '{' or '}', since it becomes the keys' hash tag.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithClient makes Open use c instead of building a client from the URL,
// which is then ignored (pass ""). Use it for Redis Cluster
// (goredis.NewClusterClient) or for options the URL cannot express. The
// Store does not own c: Close leaves it open.
func WithClient(c goredis.UniversalClient) Option { return func(cf *config) { cf.client = c } }

// Open connects to the Redis named by url, checks it answers PING, and
// creates or takes the store's epoch (see the package doc). When
// unreachable, the error names the host but never a password.
//
// The URL is one of
//
//	redis://[[user]:pass@]host[:port][/db][?option=value…]
//	rediss://…  (the same, over TLS)
//	redis-sentinel://[[user:]pass@]host1:port,host2:port/mastername[/db][?sentinel_password=…&sentinel_username=…]
//
// redis and rediss URLs take go-redis's options (goredis.ParseURL:
// dial_timeout, pool_size, skip_verify, …). In a sentinel URL the user
// and password authenticate against the master and replicas; sentinels
// that require a password of their own get it from sentinel_password. A
// sentinel host without a port gets 26379.
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
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	if err := t.client.Ping(ctx).Err(); err != nil {
		if owned {
			t.client.Close()
		}
		return nil, errors.New(redact(fmt.Sprintf("redis store: cannot reach %s: %v", t.where, err), t.secrets))
	}
	s := newStore(t.client, owned, cf.prefix)
	epoch, err := openEpoch(ctx, s.rdb, s.k.epoch)
	if err != nil {
		if owned {
			t.client.Close()
		}
		return nil, errors.New(redact(fmt.Sprintf("redis store: open epoch on %s: %v", t.where, err), t.secrets))
	}
	s.epoch = epoch
	return s, nil
}

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
	return s.rdb.Incr(ctx, s.key("seq", seq)).Result()
}

// Incident implements store.Store.
func (s *Store) Incident(ctx context.Context, id int64) (*bot.Incident, error) {
	v, err := s.rdb.HGet(ctx, s.k.inc, strconv.FormatInt(id, 10)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
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
			return nil, err
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
	return fetchScript.Run(ctx, s.rdb, []string{z, h}, start, stop, cut).StringSlice()
}

// Timeline implements store.Store.
func (s *Store) Timeline(ctx context.Context, id int64, after int64) ([]bot.Event, error) {
	raw, err := s.rdb.ZRangeByScore(ctx, s.timelineKey(id), &goredis.ZRangeBy{
		Min: "(" + strconv.FormatInt(after, 10), Max: "+inf",
	}).Result()
	if err != nil {
		return nil, err
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

// Commit implements store.Store. It returns an error wrapping ErrWiped,
// and writes nothing, when the store's epoch is no longer the one it
// opened with (see Check).
func (s *Store) Commit(ctx context.Context, t *store.Tx) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.Incident == nil && len(t.Events) > 0 {
		return errors.New("commit: events without an incident")
	}
	now := time.Now().UTC().Format(time.RFC3339)
	args := []any{now, "0", "0", "0", "0", "", "0", s.epoch}
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
		args = []any{now, "1", strconv.FormatInt(inc.ID, 10), strconv.FormatInt(inc.Version, 10),
			strconv.FormatInt(newVersion, 10), v, open, s.epoch}
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
			return fmt.Errorf("commit: outbox message encodes as %.20q…, want it to start with %s", v, outboxHead)
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
		s.k.timers, s.k.due, s.k.ready, s.k.meta, s.k.kv, s.k.epoch}
	res, err := commitScript.Run(ctx, s.rdb, keys, args...).StringSlice()
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if len(res) == 0 {
		return errors.New("commit: empty reply from script")
	}
	switch res[0] {
	case "ok":
	case "duplicate":
		return store.ErrDuplicate
	case "conflict":
		return store.ErrConflict
	case "event":
		return fmt.Errorf("event #%s of incident %d already recorded: %w", res[1], t.Incident.ID, store.ErrConflict)
	case "wiped":
		return fmt.Errorf("commit: %w", s.wiped(res[1]))
	default:
		return fmt.Errorf("commit: unexpected script reply %q", res)
	}
	ids := res[1:]
	if len(ids) != len(t.Outbox) {
		return fmt.Errorf("commit: script assigned %d outbox ids for %d messages", len(ids), len(t.Outbox))
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
	return s.rdb.HExists(ctx, s.k.seen, key).Result()
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (string, error) {
	v, err := s.rdb.HGet(ctx, s.k.kv, key).Result()
	if errors.Is(err, goredis.Nil) {
		return "", store.ErrNotFound
	}
	return v, err
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
	return updateScript.Run(ctx, s.rdb, []string{s.k.outbox}, m.ID, v).Err()
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
	return err
}

// ClaimTimers implements store.Store. The result is in due order. When
// more than limit timers are claimable, the ones whose turn came first
// (due, or lease ended) are taken, which for timers reclaimed after a
// lease ran out can differ from bolt's strict due order. It returns an
// error wrapping ErrWiped, and claims nothing, when the store's epoch is
// no longer the one it opened with (see Check).
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]bot.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	bound := "(" + timeKey(now.Add(time.Nanosecond))
	res, err := claimScript.Run(ctx, s.rdb, []string{s.k.timers, s.k.ready, s.k.meta, s.k.epoch},
		bound, timeKey(now.Add(lease)), owner, limit, s.epoch).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim timers: %w", err)
	}
	if len(res) == 0 {
		return nil, errors.New("claim timers: empty reply from script")
	}
	switch res[0] {
	case "ok":
	case "wiped":
		return nil, fmt.Errorf("claim timers: %w", s.wiped(res[1]))
	default:
		return nil, fmt.Errorf("claim timers: unexpected script reply %q", res)
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
		return time.Time{}, false, err
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
