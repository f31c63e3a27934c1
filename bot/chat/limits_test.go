package chat_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/chattest"
	"github.com/irbot/irbot/store"
)

// running starts d.Run in the bubble and stops it when the test ends.
func running(t *testing.T, d *chat.Deliverer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx, time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func commitNow(t *testing.T, s store.Store, d *chat.Deliverer, msgs ...bot.Outgoing) time.Time {
	t.Helper()
	if err := s.Commit(context.Background(), &store.Tx{Outbox: msgs}); err != nil {
		t.Fatal(err)
	}
	d.Wake()
	return time.Now()
}

func group(id string) bot.ChatRef { return bot.ChatRef{Platform: "telegram", ID: id} }
func direct(id string) bot.ChatRef {
	return bot.ChatRef{Platform: "telegram", ID: id, Direct: true}
}

// TestBusyGroupStarvesNobody is the scenario that was seen: 500 notes in
// one group, then 30 other groups declare and a duty officer is paged,
// everything committed over time as the commands arrive. At Telegram's
// real limits (time fast-forwarded), the page and every other group's
// reply go out within their own limits, the busy group drains at 20 a
// minute, nothing is refused with 429, lost or reordered.
func TestBusyGroupStarvesNobody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		tg := chattest.New("telegram")
		tg.Latency = 80 * time.Millisecond
		d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{tg}, chat.WithLogger(quietLog()))
		running(t, d)

		start := time.Now()
		// 500 notes in the busy group, two a second.
		for i := range 500 {
			commitNow(t, s, d, bot.Outgoing{Chat: group("busy"), Kind: bot.KindReply, ReplyTo: "m", Text: fmt.Sprintf("note %03d", i)})
			if i == 100 { // 50 s in: the backlog is 80 deep
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		// 30 other groups declare, a second apart in pairs, while the busy
		// group keeps typing.
		declared := map[string]time.Time{}
		for g := range 30 {
			id := fmt.Sprintf("g%02d", g)
			declared[id] = commitNow(t, s, d,
				bot.Outgoing{Chat: group(id), Kind: bot.KindNotice, Text: "declared " + id},
				bot.Outgoing{Chat: group("leaders"), Kind: bot.KindSummary, Incident: int64(g + 1), Text: "summary " + id})
			commitNow(t, s, d, bot.Outgoing{Chat: group("busy"), Kind: bot.KindReply, ReplyTo: "m", Text: fmt.Sprintf("note %03d", 101+g)})
			time.Sleep(300 * time.Millisecond)
		}
		paged := commitNow(t, s, d, bot.Outgoing{Chat: direct("officer"), Kind: bot.KindPage, Text: "PAGE IR-31", Incident: 31})
		for i := 131; i < 500; i++ {
			commitNow(t, s, d, bot.Outgoing{Chat: group("busy"), Kind: bot.KindReply, ReplyTo: "m", Text: fmt.Sprintf("note %03d", i)})
			time.Sleep(500 * time.Millisecond)
		}
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := tg.Deliveries()

		at, ok := chattest.FirstTo(got, "officer", "PAGE")
		if !ok {
			t.Fatal("the duty officer was never paged")
		}
		if wait := at.Sub(paged); wait > 250*time.Millisecond {
			t.Errorf("page delivered %s after it was committed; want within 250ms", wait)
		}
		for id, when := range declared {
			at, ok := chattest.FirstTo(got, id, "declared")
			if !ok {
				t.Fatalf("group %s never got its declaration", id)
			}
			if wait := at.Sub(when); wait > 2*time.Second {
				t.Errorf("group %s waited %s for its declaration behind the busy group", id, wait)
			}
		}
		var notes []string
		for _, d := range got {
			if d.Chat.ID == "busy" {
				notes = append(notes, d.Msg.Text)
			}
		}
		if len(notes) != 500 || !slices.IsSorted(notes) {
			t.Fatalf("busy group got %d notes (want 500), in order: %v", len(notes), slices.IsSorted(notes))
		}
		// Notes may use 18 of the group's 20 a minute (two are kept for
		// pages): 500 take under 28 minutes, and no less than 25.
		last, _ := chattest.FirstTo(got, "busy", "note 499")
		if took := last.Sub(start); took > 28*time.Minute || took < 25*time.Minute {
			t.Errorf("the busy group drained in %s; want 25–28m (18–20 a minute)", took)
		}
		if n := tg.Count429(); n != 0 {
			t.Errorf("%d messages refused with 429", n)
		}
		if tg.Overlaps() != 0 {
			t.Errorf("%d sends overlapped in one chat", tg.Overlaps())
		}
		if ob, _ := s.Outbox(context.Background(), 10); len(ob) != 0 {
			t.Errorf("outbox not empty: %d left", len(ob))
		}
	})
}

// TestPagesToOnePersonBundle: while one page is in flight to a duty
// officer, the next ones wait for the chat's limit and go together as one
// message, ahead of a reply committed before them.
func TestPagesToOnePersonBundle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		tg := chattest.New("telegram")
		var bundled [][]bot.Outgoing
		d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{tg}, chat.WithLogger(quietLog()),
			chat.WithBundle(func(pages []bot.Outgoing) bot.Outgoing {
				bundled = append(bundled, pages)
				return bot.Outgoing{Text: fmt.Sprintf("BUNDLE of %d", len(pages)), Buttons: []bot.Button{{Label: "all", Data: "/ack all"}}}
			}))
		running(t, d)
		commitNow(t, s, d, bot.Outgoing{Chat: direct("officer"), Kind: bot.KindPage, Text: "PAGE 1", Incident: 1})
		time.Sleep(10 * time.Millisecond)
		commitNow(t, s, d, bot.Outgoing{Chat: direct("officer"), Kind: bot.KindReply, ReplyTo: "x", Text: "reply"})
		for i := 2; i <= 100; i++ {
			commitNow(t, s, d, bot.Outgoing{Chat: direct("officer"), Kind: bot.KindPage, Text: fmt.Sprintf("PAGE %d", i), Incident: int64(i)})
		}
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, x := range tg.Deliveries() {
			texts = append(texts, x.Msg.Text)
		}
		want := []string{"PAGE 1", "BUNDLE of 99", "reply"}
		if !slices.Equal(texts, want) {
			t.Fatalf("officer got %q, want %q", texts, want)
		}
		if len(bundled) != 1 || bundled[0][0].Text != "PAGE 2" || bundled[0][98].Text != "PAGE 100" {
			t.Fatalf("bundle made of %d groups", len(bundled))
		}
		if st := d.Stats(); st.Bundled != 99 || st.Pending != [4]int64{} {
			t.Fatalf("stats %+v", st)
		}
		if ob, _ := s.Outbox(context.Background(), 10); len(ob) != 0 {
			t.Fatalf("bundled pages left in the outbox: %d", len(ob))
		}
	})
}

// TestCardsAndSummariesCoalesce: edits of one live card that pile up
// behind the group's limit collapse to the latest, a card that would show
// what it shows is not sent, and a burst of summaries of one incident
// reaches leaders as the latest.
func TestCardsAndSummariesCoalesce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		ed := chattest.New("telegram")
		d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{ed}, chat.WithLogger(quietLog()), chat.WithSettle(2*time.Second))
		running(t, d)
		card := func(text string) bot.Outgoing {
			return bot.Outgoing{Chat: group("soc"), Kind: bot.KindStatus, EditKey: "status:IR-1", EditOnly: true, Text: text, Incident: 1}
		}
		commitNow(t, s, d, card("v1"))
		for i := range 10 {
			commitNow(t, s, d, bot.Outgoing{Chat: group("soc"), Kind: bot.KindNotice, Text: fmt.Sprint("notice ", i)}, card(fmt.Sprint("v", i+2)))
			commitNow(t, s, d, bot.Outgoing{Chat: group("leaders"), Kind: bot.KindSummary, Incident: 1, Text: fmt.Sprint("summary ", i)})
			time.Sleep(100 * time.Millisecond)
		}
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		commitNow(t, s, d, card("v11")) // the same as shown: not sent
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var soc, leaders []string
		for _, x := range ed.Deliveries() {
			if x.Chat.ID == "soc" {
				soc = append(soc, x.Msg.Text)
			} else {
				leaders = append(leaders, x.Msg.Text)
			}
		}
		if soc[0] != "v1" || soc[len(soc)-1] != "v11" || slices.Index(soc, "v5") >= 0 {
			t.Errorf("soc got %q: want v1 first, the latest card last, the cards between collapsed", soc)
		}
		if n := len(ed.Edits()); n != 1 || ed.Edits()[0] != "v11" {
			t.Errorf("card edited %d times (%q), want once, to v11", n, ed.Edits())
		}
		if !slices.Equal(leaders, []string{"summary 9"}) {
			t.Errorf("leaders got %q, want only the latest summary", leaders)
		}
	})
}

// TestNothingBlocksTheOutbox: thousands of rows for platforms that are not
// running, and rows past their NotAfter, leave the outbox with a reason;
// the messages behind them are delivered.
func TestNothingBlocksTheOutbox(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		con := chattest.New("console")
		var mu sync.Mutex
		why := map[string]int{}
		d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{con}, chat.WithLogger(quietLog()),
			chat.WithFailure(func(_ context.Context, m bot.Outgoing, err error) {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, bot.ErrNotRunning):
					why["not running"]++
				case errors.Is(err, bot.ErrExpired):
					why["expired"]++
				default:
					why[err.Error()]++
				}
			}))
		var batch []bot.Outgoing
		for i := range 3000 {
			plat := []string{"telegram", "zalo", "slack"}[i%3]
			batch = append(batch, bot.Outgoing{Chat: bot.ChatRef{Platform: plat, ID: "x"}, Kind: bot.KindNotice, Text: "lost"})
		}
		commitNow(t, s, d, batch...)
		commitNow(t, s, d, bot.Outgoing{Chat: bot.ChatRef{Platform: "console", ID: "soc"}, Kind: bot.KindNotice, Text: "stale",
			NotAfter: time.Now().Add(time.Second)})
		time.Sleep(2 * time.Second)
		for i := range 50 {
			commitNow(t, s, d, bot.Outgoing{Chat: bot.ChatRef{Platform: "console", ID: "soc"}, Kind: bot.KindReply, Text: fmt.Sprint("reply ", i)})
		}
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(con.Deliveries()); n != 50 {
			t.Fatalf("console got %d replies, want 50", n)
		}
		if why["not running"] != 3000 || why["expired"] != 1 {
			t.Fatalf("reasons recorded: %v", why)
		}
		if ob, _ := s.Outbox(context.Background(), 10); len(ob) != 0 {
			t.Fatalf("outbox not empty: %+v", ob[0])
		}
	})
}

// TestTriesSurviveRestarts: a message that always fails is tried
// WithRetries times in all, across a restart, then recorded as failed.
func TestTriesSurviveRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		tg := chattest.New("telegram")
		tg.Failing = func(bot.Outgoing) error { return errors.New("502 Bad Gateway") }
		var failed []bot.Outgoing
		opts := []chat.DeliverOption{chat.WithLogger(quietLog()), chat.WithRetries(5, func(int) time.Duration { return 10 * time.Second }),
			chat.WithFailure(func(_ context.Context, m bot.Outgoing, err error) { failed = append(failed, m) })}
		commitNow(t, s, nil2(), bot.Outgoing{Chat: group("soc"), Kind: bot.KindNotice, Text: "x"})
		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second) // three tries, then "crash"
		chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{tg}, opts...).Flush(ctx)
		cancel()
		ob, _ := s.Outbox(context.Background(), 1)
		if len(ob) != 1 || ob[0].Attempts != 3 {
			t.Fatalf("after the first run: %+v, want the message with 3 tries", ob)
		}
		d2 := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{tg}, opts...)
		begin := time.Now()
		if err := d2.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(failed) != 1 || d2.Stats().Retries != 1 || time.Since(begin) > 11*time.Second {
			t.Fatalf("after restart: failed %d, retries %d, took %s: want 2 more tries then failed", len(failed), d2.Stats().Retries, time.Since(begin))
		}
	})
}

// nil2 is a deliverer nobody runs, for commitNow before one exists.
func nil2() *chat.Deliverer { return chat.NewDeliverer(nil, nil) }

// TestFlushIsBoundedWhileSendsFail: a platform that keeps failing cannot
// hold a bounded Flush (the shutdown drain) past its deadline, whether Run
// is going or not, and what was not sent stays in the outbox.
func TestFlushIsBoundedWhileSendsFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		tg := chattest.New("telegram")
		tg.Failing = func(bot.Outgoing) error { return errors.New("connection refused") }
		d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{tg}, chat.WithLogger(quietLog()))
		running(t, d)
		commitNow(t, s, d, bot.Outgoing{Chat: group("soc"), Kind: bot.KindNotice, Text: "x"})
		time.Sleep(3 * time.Second) // in backoff now
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		begin := time.Now()
		err := d.Flush(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(begin) > 5*time.Second {
			t.Fatalf("Flush returned %v after %s", err, time.Since(begin))
		}
		if ob, _ := s.Outbox(context.Background(), 1); len(ob) != 1 {
			t.Fatal("the undelivered message left the outbox")
		}
	})
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestNewIncidentGoesBeforeABacklog: a group with a backlog of replies
// hears of a new incident (its announcement asks to acknowledge) next,
// not after the backlog.
func TestNewIncidentGoesBeforeABacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		tg := chattest.New("telegram")
		d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{tg}, chat.WithLogger(quietLog()))
		running(t, d)
		for i := range 40 {
			commitNow(t, s, d, bot.Outgoing{Chat: group("soc"), Kind: bot.KindNotice, ReplyTo: "m", Text: fmt.Sprintf("note %02d", i)})
		}
		time.Sleep(10 * time.Second)
		at := commitNow(t, s, d, bot.Outgoing{Chat: group("soc"), Kind: bot.KindStatus, Incident: 2, Text: "🚨 IR-2 declared",
			Buttons: []bot.Button{{Label: "Ack", Data: "/ack IR-2"}}})
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		got, ok := chattest.FirstTo(tg.Deliveries(), "soc", "🚨 IR-2")
		if !ok || got.Sub(at) > 5*time.Second {
			t.Fatalf("the new incident reached the group %s after it was declared, behind the backlog", got.Sub(at))
		}
	})
}
