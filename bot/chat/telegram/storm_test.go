package telegram_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/telegram"
	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

// Storm limits, Telegram's scaled to test speed. The fake enforces a
// sliding window: at most 100 messages to a chat and 600 overall in any
// second. The adapter stays under it the way a bot must stay under
// Telegram's: its token buckets allow burst+rate·1s per second (95 and
// 550), and the deliverer has at most one message in flight per chat and
// one per worker overall, which bounds how much network jitter can bunch
// arrivals (96 ≤ 100, 566 ≤ 600).
const (
	fakePerChat  = 100
	fakeGlobal   = 600
	stormGroup   = 90.0
	stormBurst   = 5
	stormGlobal  = 540.0
	stormGBurst  = 10
	bigGroup     = 500
	otherGroups  = 30
	perOtherChat = 5
)

func stormEnv(t testing.TB) *env {
	return newEnv(t, envOpt{
		fake: []telegramtest.Option{telegramtest.WithRateLimit(fakePerChat, time.Second, fakeGlobal)},
		cfg: telegram.Config{Limits: chat.Limits{MaxLen: telegram.MaxMessageLen, PerChat: stormGroup, PerGroup: stormGroup,
			ChatBurst: stormBurst, Global: stormGlobal, GlobalBurst: stormGBurst}},
	})
}

// TestStorm queues 500 messages to one group and 5 to each of 30 others
// with the fake enforcing rate limits: none may be refused with 429, lost,
// or reordered within its chat.
func TestStorm(t *testing.T) {
	e := stormEnv(t)
	chats := map[int64]int{grp: bigGroup}
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	for i := range otherGroups {
		id := int64(-3000 - i)
		chats[id] = perOtherChat
		e.fake.AddChat(telegramtest.Chat{ID: id})
	}
	// Interleave the chats in the outbox as a real storm would.
	var out []bot.Outgoing
	for n := range bigGroup {
		out = append(out, bot.Outgoing{Chat: group(fmt.Sprint(grp)), Kind: bot.KindNotice, Incident: 1,
			Text: fmt.Sprintf("IR-1 · storm %03d: host-%d.example.vn (10.0.%d.%d) isolated!", n, n, n/256, n%256)})
		if n%(bigGroup/perOtherChat) == 0 {
			for i := range otherGroups {
				out = append(out, bot.Outgoing{Chat: group(fmt.Sprint(-3000 - i)), Kind: bot.KindNotice,
					Text: fmt.Sprintf("storm %03d for group %d.", n/(bigGroup/perOtherChat), i)})
			}
		}
	}
	start := time.Now()
	if err := e.st.Commit(e.ctx, storeTx(out...)); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	t.Logf("storm: %d messages to %d chats in %s: %.0f msgs/s overall, %.0f msgs/s to the big group (limit %.0f/s)",
		len(out), len(chats), elapsed.Round(time.Millisecond), float64(len(out))/elapsed.Seconds(),
		float64(bigGroup)/elapsed.Seconds(), stormGroup)

	if n := e.fake.Count429(); n != 0 {
		t.Errorf("%d requests answered 429", n)
	}
	if s := e.d.Stats(); s.Failed != 0 || s.Sent != int64(len(out)) || s.RateLimited != 0 {
		t.Errorf("deliverer stats %+v", s)
	}
	for id, want := range chats {
		msgs := e.fake.Messages(id)
		if len(msgs) != want {
			t.Errorf("chat %d got %d messages, want %d", id, len(msgs), want)
			continue
		}
		for n, m := range msgs {
			var tag string
			if id == grp {
				tag = fmt.Sprintf("storm %03d:", n)
			} else {
				tag = fmt.Sprintf("storm %03d for", n)
			}
			if !containsAll(m.Text, tag) {
				t.Errorf("chat %d message %d is %q: out of order", id, n, m.Text)
				break
			}
		}
	}
	if left, _ := e.st.Outbox(e.ctx, 10); len(left) != 0 {
		t.Errorf("%d messages left in the outbox", len(left))
	}
}

// BenchmarkDelivery measures the adapter and deliverer without rate
// limits: outbox → MarkdownV2 → HTTP → fake Bot API → outbox removal, over
// 50 chats.
func BenchmarkDelivery(b *testing.B) {
	e := newEnv(b, envOpt{cfg: telegram.Config{Limits: chat.Limits{MaxLen: telegram.MaxMessageLen}}})
	const chats = 50
	for i := range chats {
		e.fake.AddChat(telegramtest.Chat{ID: int64(-5000 - i)})
	}
	out := make([]bot.Outgoing, b.N)
	for n := range out {
		out[n] = bot.Outgoing{Chat: group(fmt.Sprint(-5000 - n%chats)), Kind: bot.KindNotice,
			Text: fmt.Sprintf("IR-%d · step %d done: isolate host (10.0.0.%d) — Nguyễn Văn An.", n%7, n%9, n%256)}
	}
	b.ResetTimer()
	for i := 0; i < len(out); i += 1000 {
		if err := e.st.Commit(e.ctx, storeTx(out[i:min(i+1000, len(out))]...)); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.d.Flush(e.ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if s := e.d.Stats(); s.Sent != int64(b.N) {
		b.Fatalf("sent %d of %d", s.Sent, b.N)
	}
}
