package zalo_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/playbooks"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// Zalo ids of the team and the response group.
const (
	soc   = "g-soc"
	zAn   = "z-an"   // on duty on 26/11 from 07:30
	zBinh = "z-binh" // runs the incident in the group
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// team is the directory: people with Zalo ids, and the SOC group.
func team() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "An", Roles: []string{"responder"}, IDs: map[string]string{"zalo": zAn}},
		{ID: "binh", Name: "Bình", Roles: []string{"responder"}, IDs: map[string]string{"zalo": zBinh}},
		{ID: "cuong", Name: "Cường", IDs: map[string]string{"zalo": "z-cuong"}},
	}, []bot.Chat{{ID: "soc", Purpose: "response", IDs: map[string]string{"zalo": soc}}})
}

// paging is a daily duty roster (an, then binh, handing over at 07:30 in
// Hà Nội) and the escalation policies the bundled playbooks name.
func paging(o *engine.Options) {
	o.Rosters = []oncall.Roster{{ID: "truc-ban", Name: map[string]string{"vi": "Trực ban", "en": "Duty"},
		Layers:     []oncall.Layer{{Rotation: "daily", Handoff: "07:30", Start: "2026-11-26", Members: []string{"an", "binh"}}},
		AnnounceIn: "soc"}}
	o.Policies = []oncall.Policy{
		{ID: "security", Levels: []oncall.Level{{Targets: []string{"roster:truc-ban"}, After: "5m"}, {Targets: []string{"person:cuong"}, After: "10m"}}},
		{ID: "ops", Levels: []oncall.Level{{Targets: []string{"person:cuong"}, After: "10m"}}},
	}
}

// world is the fake Zalo and a bolt directory that outlive one process.
type world struct {
	t     *testing.T
	fake  *zalotest.Server
	dir   string
	clock *fakeClock
	books *playbook.Set
	log   *slog.Logger
}

// proc is one run of irbot: store, engine, adapter receiving, deliverer
// delivering.
type proc struct {
	st   store.Store
	eng  *engine.Engine
	ad   *zalo.Adapter
	d    *chat.Deliverer
	stop func()
}

func newWorld(t *testing.T) *world {
	fake := zalotest.New(t)
	log, _ := newLogger(t, fake.Token())
	books, err := playbook.LoadFS(playbooks.FS, ".", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fake.AddChat(zAn, zalotest.Private) // An has talked to the bot before, so the bot may write to An
	return &world{t: t, fake: fake, dir: t.TempDir(), books: books, log: log,
		clock: &fakeClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}} // 08:00 in Hà Nội
}

// start runs irbot on the world's store.
func (w *world) start() *proc {
	t := w.t
	t.Helper()
	st, err := bolt.Open(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{st: st}
	ad, err := zalo.New(context.Background(), zalo.Config{Token: w.fake.Token(), APIURL: w.fake.URL(),
		Limits: chat.Limits{MaxLen: 2000}, PollTimeout: time.Second}, store.KV{Store: st}, w.log)
	if err != nil {
		t.Fatal(err)
	}
	p.ad = ad
	p.d = chat.NewDeliverer(store.KV{Store: st}, []chat.Sender{ad}, chat.WithLogger(w.log),
		chat.WithRetries(5, func(int) time.Duration { return 20 * time.Millisecond }))
	o := engine.Options{Language: "vi", Clock: w.clock, Directory: team(), Logger: w.log,
		OnCommit: func(*store.Tx) { p.d.Wake() }}
	paging(&o)
	p.eng = engine.New(st, w.books, o)
	ctx, cancel := context.WithCancel(context.Background())
	delivered := make(chan struct{})
	go func() { defer close(delivered); p.d.Run(ctx, 20*time.Millisecond) }()
	stopRecv := receive(t, ad, p.eng.Handle)
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			if err := stopRecv(); err != nil {
				t.Errorf("Receive: %v", err)
			}
			cancel()
			<-delivered
			st.Close()
		})
	}
	t.Cleanup(p.stop)
	return p
}

// say makes a person write text in a chat and returns the message_id.
func (w *world) say(chatID, userID, name, text string) string {
	typ := zalotest.Group
	if chatID == userID {
		typ = zalotest.Private
	}
	return w.fake.SendText(chatID, typ, userID, name, text)
}

// waitMsg waits for a bot message in chatID, at index from or later, that
// contains all of want, and returns it with its index.
func (w *world) waitMsg(chatID string, from int, want ...string) (zalotest.Message, int) {
	w.t.Helper()
	var found zalotest.Message
	idx := -1
	ok := w.fake.WaitFor(wait, func() bool {
		ms := w.fake.Messages(chatID)
		for i := from; i < len(ms); i++ {
			if containsAll(ms[i].Text, want...) {
				found, idx = ms[i], i
				return true
			}
		}
		return false
	})
	if !ok {
		w.t.Fatalf("no message in %s containing %q; messages:\n%s", chatID, want, dump(w.fake.Messages(chatID)))
	}
	return found, idx
}

func containsAll(s string, want ...string) bool {
	for _, x := range want {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

func dump(ms []zalotest.Message) string {
	var b strings.Builder
	for i, m := range ms {
		fmt.Fprintf(&b, "  %d: %s\n", i, strings.ReplaceAll(m.Text, "\n", " ⏎ "))
	}
	return b.String()
}

// hintLine returns the reply-code line of a message ("" if none).
func hintLine(text string) string {
	lines := strings.Split(text, "\n")
	if last := lines[len(lines)-1]; strings.HasPrefix(last, "↩ ") {
		return last
	}
	return ""
}

// checkSent fails if any message the fake holds is over the limit or not
// valid UTF-8, or if the fake refused anything.
func (w *world) checkSent(chats ...string) {
	w.t.Helper()
	for _, c := range chats {
		ms := w.fake.Messages(c)
		if !utf8Valid(ms) {
			w.t.Errorf("a message to %s is not valid UTF-8", c)
		}
		for _, m := range ms {
			if n := utf8.RuneCountInString(m.Text); n > zalo.MaxMessageLen {
				w.t.Errorf("a message to %s has %d characters", c, n)
			}
		}
	}
	for _, f := range w.fake.Failures() {
		if f.Code != 429 { // asked for by the test
			w.t.Errorf("the fake refused: %+v", f)
		}
	}
}

var refRe = regexp.MustCompile(`IR-(\d+)`)

// TestIncidentOverZalo runs an incident from a Zalo group with plain
// Vietnamese commands and reply codes, and pages the duty officer, who
// acknowledges with a reply code in the direct chat.
func TestIncidentOverZalo(t *testing.T) {
	w := newWorld(t)
	p := w.start()
	const title = "Máy chủ kế toán bị mã hoá"

	w.say(soc, zBinh, "Trần Văn Bình", "khaibao ransomware "+title)
	decl, _ := w.waitMsg(soc, 0, title, "Khai báo bởi Bình")
	n := refRe.FindStringSubmatch(decl.Text)[1]
	if !strings.Contains(decl.Text, "\n"+title+"\n") {
		t.Fatalf("the title did not survive the round trip:\n%s", decl.Text)
	}
	if h := hintLine(decl.Text); h != "↩ "+n+"a xác nhận · /steps IR-"+n {
		t.Fatalf("declaration's reply codes %q", h)
	}
	// The declaration paged the duty officer in the direct chat.
	page, _ := w.waitMsg(zAn, 0, "IR-"+n, n+"a")
	if h := hintLine(page.Text); h != "↩ "+n+"a xác nhận" {
		t.Fatalf("page without its reply code:\n%s", page.Text)
	}

	from := len(w.fake.Messages(soc))
	w.say(soc, zBinh, "Trần Văn Bình", "xacnhan")
	acked, i := w.waitMsg(soc, from, "IR-"+n+" đã được Bình xác nhận", "Giai đoạn 1/")
	if !strings.Contains(hintLine(acked.Text), n+"d1") {
		t.Fatalf("phase 1 without step codes:\n%s", acked.Text)
	}
	w.say(soc, zBinh, "Trần Văn Bình", "buoc")
	w.waitMsg(soc, i+1, "📋 IR-"+n)

	from = len(w.fake.Messages(soc))
	w.say(soc, zBinh, "Trần Văn Bình", n+"d1")
	done, _ := w.waitMsg(soc, from, "IR-"+n+" · bước 1 xong")
	codes := regexp.MustCompile(`\b`+n+`d\d+\b`).FindAllString(hintLine(done.Text), -1)
	if len(codes) == 0 {
		t.Fatalf("no step codes after step 1:\n%s", done.Text)
	}
	from = len(w.fake.Messages(soc))
	w.say(soc, zBinh, "Trần Văn Bình", "tiep")
	w.waitMsg(soc, from, "Chưa chuyển giai đoạn được")
	for _, c := range codes { // typed back from the hint line
		from = len(w.fake.Messages(soc))
		w.say(soc, zBinh, "Trần Văn Bình", c)
		w.waitMsg(soc, from, "IR-"+n+" · bước "+strings.SplitN(c, "d", 2)[1]+" xong")
	}
	from = len(w.fake.Messages(soc))
	w.say(soc, zBinh, "Trần Văn Bình", "tiep")
	w.waitMsg(soc, from, "Giai đoạn 2/")
	w.fake.Throttle(1) // Zalo asks to slow down once; the delivery layer waits and sends
	w.say(soc, zBinh, "Trần Văn Bình", "ghichu Đã báo PA05")
	w.waitMsg(soc, from, "📝 IR-"+n+" · Bình ghi chú: Đã báo PA05")
	if w.fake.Count429() != 1 || p.d.Stats().RateLimited != 1 {
		t.Fatalf("429s %d, delivery stats %+v", w.fake.Count429(), p.d.Stats())
	}

	// A second incident pages An, who acknowledges with its code from the
	// direct chat; the group is told.
	pages := len(w.fake.Messages(zAn))
	from = len(w.fake.Messages(soc))
	w.say(soc, zBinh, "Trần Văn Bình", "khaibao phishing Lộ mật khẩu thư công vụ")
	decl2, _ := w.waitMsg(soc, from, "Lộ mật khẩu thư công vụ")
	n2 := refRe.FindStringSubmatch(decl2.Text)[1]
	if n2 == n {
		t.Fatalf("second incident has the first one's number %s", n)
	}
	page2, _ := w.waitMsg(zAn, pages, "IR-"+n2)
	if !strings.HasSuffix(page2.Text, "\n↩ "+n2+"a xác nhận") {
		t.Fatalf("second page:\n%s", page2.Text)
	}
	from = len(w.fake.Messages(soc))
	w.say(zAn, zAn, "Nguyễn Văn An", n2+"a")
	w.waitMsg(soc, from, "IR-"+n2+" đã được An xác nhận")
	inc, err := p.st.Incident(context.Background(), int64(atoi(t, n2)))
	if err != nil || len(inc.Pages) == 0 || inc.Pages[0].Status != bot.PageAcknowledged || inc.Pages[0].AckBy != "an" {
		t.Fatalf("page of IR-%s: %+v, %v", n2, inc.Pages, err)
	}
	w.checkSent(soc, zAn)
	if st := p.d.Stats(); st.Failed != 0 {
		t.Fatalf("delivery stats %+v", st)
	}
}

func atoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDuplicateDeliveriesActOnce: Zalo hands one message out again, in
// the same run and after a restart on the same bolt file; the incident is
// declared once and announced once.
func TestDuplicateDeliveriesActOnce(t *testing.T) {
	w := newWorld(t)
	p := w.start()
	id := w.say(soc, zBinh, "Bình", "khaibao ddos Cổng thông tin tê liệt")
	w.waitMsg(soc, 0, "Cổng thông tin tê liệt")
	if err := p.d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	sent := len(w.fake.Messages(soc))
	pages := len(w.fake.Messages(zAn))

	w.fake.Redeliver(id)
	if !eventually(func() bool { return w.fake.Deliveries(id) == 2 && p.ad.Stats().Duplicates == 1 }) {
		t.Fatalf("redelivery not seen: %d deliveries, stats %+v", w.fake.Deliveries(id), p.ad.Stats())
	}
	// The engine alone also refuses it (as when two webhook posts race).
	in := bot.Inbound{Platform: "zalo", Chat: bot.ChatRef{Platform: "zalo", ID: soc}, User: zBinh,
		Text: "khaibao ddos Cổng thông tin tê liệt", ID: id, MessageID: id}
	if err := p.eng.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	p.stop()

	p2 := w.start()
	w.fake.Redeliver(id)
	if !eventually(func() bool { return w.fake.Deliveries(id) == 3 && p2.ad.Stats().Duplicates == 1 }) {
		t.Fatalf("redelivery after restart not seen: %d deliveries, stats %+v", w.fake.Deliveries(id), p2.ad.Stats())
	}
	if err := p2.d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	all, err := p2.st.Incidents(context.Background(), false)
	if err != nil || len(all) != 1 {
		t.Fatalf("%d incidents (%v), want 1", len(all), err)
	}
	if got := len(w.fake.Messages(soc)); got != sent {
		t.Fatalf("the group got %d messages after the duplicates, want %d:\n%s", got, sent, dump(w.fake.Messages(soc)))
	}
	if got := len(w.fake.Messages(zAn)); got != pages {
		t.Fatalf("An was paged %d times, want %d", got, pages)
	}
	// The restarted process still works.
	w.say(soc, zBinh, "Bình", "trangthai")
	w.waitMsg(soc, sent, "Cổng thông tin tê liệt")
}

// TestLongVietnameseMessagesSplitSafely sends notes with diacritics in
// precomposed and decomposed form (one of them a 2400-code-point run with
// no space or line break, so the split has to cut inside a word), then
// asks for the timeline: every message Zalo gets is at most 2000
// characters, valid UTF-8, never starts with a combining mark, and the
// parts rejoin to the engine's text.
func TestLongVietnameseMessagesSplitSafely(t *testing.T) {
	w := newWorld(t)
	p := w.start()
	w.say(soc, zBinh, "Bình", "khaibao ransomware Máy chủ kế toán bị mã hoá")
	decl, _ := w.waitMsg(soc, 0, "Khai báo bởi Bình")
	n := refRe.FindStringSubmatch(decl.Text)[1]
	if err := p.d.Flush(context.Background()); err != nil { // the page notice too
		t.Fatal(err)
	}

	sentence := "Đã cô lập máy chủ kế toán, giữ nguyên hiện trường, báo cáo lãnh đạo và đơn vị chuyên trách ứng cứu sự cố. "
	notes := []string{
		strings.TrimSpace(strings.Repeat(sentence, 14)),                  // ~1500 code points, NFC
		norm.NFD.String(strings.TrimSpace(strings.Repeat(sentence, 11))), // NFD, with spaces
		norm.NFD.String(strings.Repeat("ệ", 800)),                        // 2400 code points, no break at all
		strings.Repeat("đ", 1900),                                        // NFC, no break at all
	}
	for _, note := range notes {
		from := len(w.fake.Messages(soc))
		w.say(soc, zBinh, "Bình", "ghichu "+note)
		head := "📝 IR-" + n + " · Bình ghi chú: "
		w.waitMsg(soc, from, head)
		if err := p.d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkParts(t, head+note, w.fake.Messages(soc)[from:])
	}

	// The timeline, asked from Zalo; the same text, asked from a chat with
	// no sender, is caught at its commit for comparison (the running
	// deliverer would drop it from the outbox: no console runs here).
	from := len(w.fake.Messages(soc))
	w.say(soc, zBinh, "Bình", "dongthoigian")
	w.waitMsg(soc, from, "🕒 Diễn biến IR-"+n)
	if err := p.d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	caught := &catchOutbox{Store: p.st}
	o := engine.Options{Language: "vi", Clock: w.clock, Directory: team(), Logger: w.log}
	paging(&o)
	if err := engine.New(caught, w.books, o).Handle(ctx, bot.Inbound{Platform: "console", Chat: bot.ChatRef{Platform: "console", ID: "x"},
		User: "binh", Text: "/timeline IR-" + n}); err != nil {
		t.Fatal(err)
	}
	out := caught.out
	if len(out) != 1 {
		t.Fatalf("caught %d messages, want the timeline", len(out))
	}
	original := out[0].Text
	if n := utf8.RuneCountInString(original); n < 5000 {
		t.Fatalf("the timeline has only %d characters", n)
	}
	for _, note := range notes {
		if !strings.Contains(original, note) {
			t.Fatal("a note changed on its way through Zalo and the store (normalised?)")
		}
	}
	parts := w.fake.Messages(soc)[from:]
	if len(parts) < 3 {
		t.Fatalf("a %d-character timeline went out in %d messages", utf8.RuneCountInString(original), len(parts))
	}
	checkParts(t, original, parts)
	w.checkSent(soc)
}

// checkParts checks that msgs are original split for Zalo: each part at
// most 2000 characters and valid UTF-8, no part starting with a combining
// mark, and the parts, in order, are original with only whitespace
// (spaces, line breaks) dropped at the cuts.
func checkParts(t *testing.T, original string, msgs []zalotest.Message) {
	t.Helper()
	rest := original
	for i, m := range msgs {
		p := m.Text
		if n := utf8.RuneCountInString(p); n > 2000 {
			t.Fatalf("part %d has %d characters", i, n)
		}
		if !utf8.ValidString(p) {
			t.Fatalf("part %d is not valid UTF-8", i)
		}
		if r, _ := utf8.DecodeRuneInString(p); unicode.Is(unicode.Mn, r) {
			t.Fatalf("part %d starts with combining mark %U: a letter lost its diacritics", i, r)
		}
		if i > 0 {
			rest = strings.TrimLeft(rest, " \n")
		}
		if !strings.HasPrefix(rest, p) {
			t.Fatalf("part %d does not continue the text:\npart: %.80q…\ntext: %.80q…", i, p, rest)
		}
		rest = rest[len(p):]
	}
	if strings.TrimSpace(rest) != "" {
		t.Fatalf("%d characters of the text never went out: %.80q…", utf8.RuneCountInString(rest), rest)
	}
}

// TestWebhookWithEngine: in webhook mode a forged post declares nothing,
// and one message posted several times at once (Zalo retrying while the
// first post is still being handled) declares one incident.
func TestWebhookWithEngine(t *testing.T) {
	w := newWorld(t)
	st, err := bolt.Open(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var forged []string
	var mu sync.Mutex
	ad, err := zalo.New(context.Background(), zalo.Config{Token: w.fake.Token(), APIURL: w.fake.URL(),
		Mode: zalo.ModeWebhook, WebhookSecret: secret, Limits: chat.Limits{MaxLen: 2000},
		OnForged: func(remote string) { mu.Lock(); forged = append(forged, remote); mu.Unlock() }}, store.KV{Store: st}, w.log)
	if err != nil {
		t.Fatal(err)
	}
	o := engine.Options{Language: "vi", Clock: w.clock, Directory: team(), Logger: w.log}
	paging(&o)
	eng := engine.New(st, w.books, o)
	ad.SetHandler(eng.Handle)
	srv := httptest.NewServer(ad)
	defer srv.Close()
	ctx := context.Background()

	u := w.fake.NewUpdate(zalotest.EventText, soc, zalotest.Group, zalotest.From{ID: zBinh, Name: "Bình"},
		"khaibao ransomware Máy chủ kế toán bị mã hoá")
	for _, s := range []string{"", "not-the-secret", secret[:len(secret)-1]} {
		if code, err := zalotest.PostWebhook(srv.URL, s, u); err != nil || code != http.StatusUnauthorized {
			t.Fatalf("forged post with secret %q: %d, %v", s, code, err)
		}
	}
	if all, _ := st.Incidents(ctx, false); len(all) != 0 {
		t.Fatal("a forged post declared an incident")
	}
	mu.Lock()
	if len(forged) != 3 {
		t.Fatalf("OnForged called %d times, want 3", len(forged))
	}
	mu.Unlock()

	var wg sync.WaitGroup
	codes := make([]int, 5)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = zalotest.PostWebhook(srv.URL, secret, u)
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("post %d: HTTP %d", i, c)
		}
	}
	all, _ := st.Incidents(ctx, false)
	out, _ := st.Outbox(ctx, 100)
	decls := 0
	for _, m := range out {
		if m.Chat.ID == soc && strings.Contains(m.Text, "Khai báo bởi Bình") {
			decls++
		}
	}
	if len(all) != 1 || decls != 1 {
		t.Fatalf("5 posts of one message: %d incidents, %d declarations; want 1 and 1", len(all), decls)
	}
}

// catchOutbox is a store that keeps a commit's outbox messages for the
// test instead of queueing them.
type catchOutbox struct {
	store.Store
	out []bot.Outgoing
}

func (c *catchOutbox) Commit(ctx context.Context, tx *store.Tx) error {
	c.out = append(c.out, tx.Outbox...)
	tx.Outbox = nil
	return c.Store.Commit(ctx, tx)
}
