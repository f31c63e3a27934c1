package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/telegram"
	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/store"
)

const (
	grp   = int64(-1001)
	an    = int64(7) // declares
	binh  = int64(8) // acknowledges
	title = "Title _*[]()~>#+-=|{}.! Vietnamese: Máy chủ bị mã hoá"
)

// TestEndToEnd drives the real engine through the adapter and the fake Bot
// API: declare, acknowledge by button, steps by command and by button,
// phases.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t, envOpt{})
	if e.ad.BotName() != "IrBot" {
		t.Fatalf("BotName %q, want IrBot from getMe", e.ad.BotName())
	}
	e.fake.AddUser(an, "Nguyễn Văn", "An", "an")
	e.fake.AddUser(binh, "Trần", "Bình", "")
	e.receive(e.ad, e.eng.Handle)

	cmd := e.fake.SendText(grp, an, "/declare@IrBot ransomware sev1 "+title)
	decl := e.waitReply(grp, cmd, "IR-1", "SEV1", "Declared by")
	lines := strings.Split(decl.Text, "\n")
	if len(lines) < 3 || lines[1] != title {
		t.Fatalf("the title did not survive: line 2 is %q, want %q\nfull text:\n%s", lines[1], title, decl.Text)
	}
	if !strings.Contains(decl.Text, "Declared by Nguyễn Văn An") {
		t.Fatalf("declarer's name missing:\n%s", decl.Text)
	}
	if len(decl.Entities) == 0 || decl.Entities[0].Type != "bold" || decl.Entities[0].Offset != 0 {
		t.Fatalf("the headline is not bold: %+v", decl.Entities)
	}

	// Bình taps Acknowledge: the card is edited in place and the tap answered.
	q := e.fake.PressButton(grp, binh, decl.ID, buttonData(t, decl, "✅ Acknowledge"))
	acked := e.waitMsgID(grp, decl.ID, "IR-1 acknowledged by Trần Bình", "Phase 1/5")
	if !e.fake.WaitFor(wait, func() bool {
		for _, a := range e.fake.CallbackAnswers() {
			if a.QueryID == q {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("callback %s not answered: %+v", q, e.fake.CallbackAnswers())
	}
	if len(acked.Buttons) == 0 {
		t.Fatal("the acknowledged card lost its step buttons")
	}
	if n := e.countWith(grp, "acknowledged by"); n != 1 {
		t.Fatalf("the ack posted anew instead of editing: %d messages say so\n%s", n, dump(e.fake.Messages(grp)))
	}

	cmd = e.fake.SendText(grp, an, "/done@IrBot 1")
	e.waitReply(grp, cmd, "IR-1 · step 1 done")

	// A Done button on the card.
	card := e.msg(grp, decl.ID)
	e.fake.PressButton(grp, binh, card.ID, buttonData(t, card, "✅ 2"))
	e.waitMsgID(grp, card.ID, "IR-1 · step 2 done", "Trần Bình")

	e.waitReply(grp, e.fake.SendText(grp, an, "/next"), "Cannot move on")
	e.waitReply(grp, e.fake.SendText(grp, an, "/skip@IrBot 3 leader informed by phone (see #12)"),
		"step 3 skipped", "leader informed by phone (see #12)")
	e.waitReply(grp, e.fake.SendText(grp, an, "/next@IrBot"), "Phase 2/5")
	other := e.fake.SendText(grp, an, "/note@OtherBot not for us")
	e.waitReply(grp, e.fake.SendText(grp, an, "/status"), "IR-1", "Phase 2/5")
	// Updates are handled in order: the note was ignored before /status.
	for _, m := range e.fake.Messages(grp) {
		if m.ReplyTo == other || strings.Contains(m.Text, "not for us") {
			t.Fatalf("a command for another bot was acted on: %q", m.Text)
		}
	}
	e.noParseErrors()
}

// rawMessage is a message update as Telegram sends it.
func rawMessage(updateID int64, chatID int64, chatType string, msgID int, from int64, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1767225600,`+
		`"chat":{"id":%d,"type":%q,"title":"SOC"},"from":{"id":%d,"is_bot":false,"first_name":"An"},"text":%q}}`,
		updateID, msgID, chatID, chatType, from, text)
}

func (e *env) incidents() int {
	e.t.Helper()
	all, err := e.st.Incidents(e.ctx, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(all)
}

func TestSameUpdateTwiceActsOnce(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddChat(telegramtest.Chat{ID: -2001})
	u := rawMessage(500, -2001, "group", 1, an, "/declare ddos Flood on the portal")
	e.fake.PushUpdates(u, u)
	e.receive(e.ad, e.eng.Handle)
	e.waitOffset(500)
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	if e.fake.Deliveries(500) != 2 {
		t.Fatalf("the fake delivered update 500 %d times, want 2", e.fake.Deliveries(500))
	}
	if n := e.incidents(); n != 1 {
		t.Fatalf("two deliveries of one update made %d incidents", n)
	}
	e.once(-2001, "Declared by")
}

// TestCrashBeforeOffsetSaved stops the first adapter after the engine
// committed an update but before the offset was saved: a restarted
// adapter gets the update again, acts once, and the reply goes out once.
func TestCrashBeforeOffsetSaved(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx, crash := context.WithCancel(e.ctx)
	defer crash()
	handled := make(chan struct{})
	h := func(hctx context.Context, in bot.Inbound) error {
		if err := e.eng.Handle(hctx, in); err != nil {
			return err
		}
		// Committed. Now "crash": Receive must not confirm this update.
		crash()
		close(handled)
		return errors.New("process killed")
	}
	done := make(chan error, 1)
	go func() { done <- e.ad.Receive(ctx, h) }()
	e.fake.SendText(grp, an, "/declare phishing Mailbox of the director taken over") // update 1
	<-handled
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive returned %v", err)
	}
	if v, err := e.st.Get(e.ctx, "telegram:offset"); err == nil {
		t.Fatalf("offset %q saved although the handler failed", v)
	}
	e.waitMsg(grp, "IR-1", "Mailbox of the director")
	if e.fake.Pending() != 1 {
		t.Fatalf("%d updates pending at Telegram, want the unconfirmed one", e.fake.Pending())
	}

	// Restart: a new adapter on the same store.
	ad2 := e.newAdapter(telegram.Config{})
	e.receive(ad2, e.eng.Handle)
	e.waitOffset(1)
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	if e.fake.Deliveries(1) != 2 {
		t.Fatalf("update delivered %d times, want 2 (before and after the crash)", e.fake.Deliveries(1))
	}
	if n := e.incidents(); n != 1 {
		t.Fatalf("after the crash: %d incidents", n)
	}
	e.once(grp, "Declared by")
	// And the restarted adapter keeps working.
	e.fake.SendText(grp, an, "/ack")
	e.waitMsg(grp, "IR-1 acknowledged")
}

func TestWebhook(t *testing.T) {
	e := newEnv(t, envOpt{cfg: telegram.Config{Mode: telegram.ModeWebhook, WebhookSecret: "s3cret_T0ken-x"}})
	e.ad.SetHandler(e.eng.Handle)
	srv := httptest.NewServer(e.ad)
	defer srv.Close()
	post := func(secret, body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set(telegram.SecretHeader, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	u := rawMessage(900, grp, "group", 1, an, "/declare outage Core switch down")
	for _, secret := range []string{"", "wrong", "s3cret_T0ken-", "s3cret_T0ken-xx"} {
		if code := post(secret, u); code != http.StatusUnauthorized {
			t.Fatalf("secret %q: HTTP %d, want 401", secret, code)
		}
	}
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n, m := e.incidents(), len(e.fake.Messages(grp)); n != 0 || m != 0 {
		t.Fatalf("a request with a bad secret acted: %d incidents, %d messages", n, m)
	}
	if strings.Contains(e.logs.String(), "s3cret_T0ken") {
		t.Fatal("the webhook secret was logged")
	}
	if code := post("s3cret_T0ken-x", u); code != http.StatusOK {
		t.Fatalf("good secret: HTTP %d", code)
	}
	if code := post("s3cret_T0ken-x", u); code != http.StatusOK { // Telegram retrying
		t.Fatalf("re-post: HTTP %d", code)
	}
	e.waitMsg(grp, "IR-1", "Core switch down", "Declared by")
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.incidents(); n != 1 {
		t.Fatalf("%d incidents, want 1", n)
	}
	e.once(grp, "Declared by")
	if resp, err := http.Get(srv.URL); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET: HTTP %d", resp.StatusCode)
		}
	}

	// A failing handler: 500, so Telegram posts again.
	e.ad.SetHandler(func(context.Context, bot.Inbound) error { return errors.New("store down") })
	if code := post("s3cret_T0ken-x", rawMessage(901, grp, "group", 2, an, "/status")); code != http.StatusInternalServerError {
		t.Fatalf("failing handler: HTTP %d, want 500", code)
	}
	e.ad.SetHandler(e.eng.Handle)

	// The fake's own webhook delivery, with the secret set by SetWebhook.
	if err := e.ad.SetWebhook(e.ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	if w := e.fake.Webhook(); w == nil || w.SecretToken != "s3cret_T0ken-x" || w.MaxConnections != 1 {
		t.Fatalf("webhook %+v", w)
	}
	e.fake.SendText(grp, an, "/ack")
	e.waitMsg(grp, "IR-1 acknowledged")
	if err := e.ad.Receive(e.ctx, e.eng.Handle); err == nil {
		t.Fatal("Receive in webhook mode should fail")
	}
}

func TestRegisterCommands(t *testing.T) {
	e := newEnv(t, envOpt{})
	if err := e.ad.RegisterCommands(e.ctx, telegram.DefaultCommands()); err != nil {
		t.Fatal(err)
	}
	want := []string{"declare", "incidents", "status", "ack", "steps", "done", "skip", "next", "note", "sev",
		"assign", "resolve", "close", "reopen", "cancel", "timeline", "verify", "playbooks", "help", "lang"}
	for _, lang := range []string{"", "vi", "en"} {
		got := e.fake.CommandsFor("default", lang)
		if len(got) != len(want) {
			t.Fatalf("%q: %d commands, want %d", lang, len(got), len(want))
		}
		for i, c := range got {
			if c.Command != want[i] || c.Description == "" {
				t.Fatalf("%q: command %d is %+v, want %s", lang, i, c, want[i])
			}
		}
	}
	if vi, en := e.fake.CommandsFor("default", "vi")[0].Description, e.fake.CommandsFor("default", "en")[0].Description; !strings.Contains(vi, "Khai báo") || !strings.Contains(en, "Declare") {
		t.Fatalf("descriptions: vi %q, en %q", vi, en)
	}
	if err := e.ad.RegisterCommands(e.ctx, map[string][]telegram.Command{"en": {{Name: "Bad-Name", Description: "x"}}}); err == nil {
		t.Fatal("a bad command name was accepted")
	}
}

func TestMigrationKeepsIncidentsWorking(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.receive(e.ad, e.eng.Handle)
	e.fake.SendText(grp, an, "/declare ddos Portal flooded")
	e.waitMsg(grp, "IR-1", "Declared by")
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	before := e.fake.Messages(grp)

	e.fake.Migrate(grp, -1009)
	// Commands from the supergroup act on the group's incident, replies
	// reach the supergroup.
	e.fake.SendText(-1009, an, "/ack")
	e.waitMsg(-1009, "IR-1 acknowledged")
	e.fake.SendText(-1009, an, "/note@IrBot traffic scrubbing enabled")
	e.waitMsg(-1009, "IR-1", "traffic scrubbing enabled")
	if v, _ := e.st.Get(e.ctx, "telegram:migrated:-1001"); v != "-1009" {
		t.Fatalf("migration not recorded: %q", v)
	}
	if inc, _ := e.st.Incident(e.ctx, 1); len(inc.Chats) != 1 || inc.Chats[0].ID != "-1001" {
		t.Fatalf("incident chats %+v: the supergroup should be the same chat", inc.Chats)
	}
	if after := e.fake.Messages(grp); len(after) != len(before) {
		t.Fatalf("messages went to the old group after the migration:\n%s", dump(after))
	}
}

// TestMigrationFoundBySending: the service messages were missed; the
// first send to the old id learns of the migration from the 400 and goes
// to the new id at once.
func TestMigrationFoundBySending(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	e.fake.Migrate(grp, -1009)
	var first string
	for i := range 2 {
		id, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: fmt.Sprint("after migration ", i)})
		if err != nil {
			t.Fatal(err)
		}
		if m := e.fake.Messages(-1009); len(m) != i+1 || fmt.Sprint(m[i].ID) != id {
			t.Fatalf("send %d: supergroup has %+v, id %s", i, m, id)
		}
		if i == 0 {
			first = id
		}
	}
	migrates := 0
	for _, f := range e.fake.Failures() {
		if strings.Contains(f.Description, "upgraded to a supergroup") {
			migrates++
		}
	}
	if migrates != 1 {
		t.Fatalf("%d sends hit the old id, want 1", migrates)
	}
	if err := e.ad.Edit(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: "edited"}, first); err != nil {
		t.Fatalf("edit through the migration: %v", err)
	}
	if m := e.fake.Messages(-1009); m[0].Text != "edited" {
		t.Fatalf("edit did not reach the supergroup: %+v", m)
	}
}

func TestForumTopicPerIncident(t *testing.T) {
	e := newEnv(t, envOpt{})
	const forum = int64(-1002003)
	e.fake.AddChat(telegramtest.Chat{ID: forum, Type: telegramtest.Supergroup, IsForum: true, Title: "SOC"})
	e.receive(e.ad, e.eng.Handle)
	e.fake.SendText(forum, an, "/declare ddos Portal flooded")
	decl := e.waitMsg(forum, "IR-1", "Portal flooded", "Declared by")
	topics := e.fake.Topics(forum)
	if len(topics) != 1 || topics[decl.Thread] != "IR-1" {
		t.Fatalf("declaration in thread %d, topics %v", decl.Thread, topics)
	}
	e.fake.SendText(forum, an, "/declare phishing Mailbox taken over")
	d2 := e.waitMsg(forum, "IR-2", "Declared by")
	if topics := e.fake.Topics(forum); len(topics) != 2 || topics[d2.Thread] != "IR-2" {
		t.Fatalf("second incident in thread %d, topics %v", d2.Thread, topics)
	}
	e.fake.SendTextInTopic(forum, decl.Thread, an, "/note IR-1 upstream filtering requested")
	n := e.waitMsg(forum, "upstream filtering requested")
	if n.Thread != decl.Thread {
		t.Fatalf("note in thread %d, want the incident's %d", n.Thread, decl.Thread)
	}
	if v, _ := e.st.Get(e.ctx, fmt.Sprintf("telegram:topic:%d:1", forum)); v != fmt.Sprint(decl.Thread) {
		t.Fatalf("topic not stored: %q", v)
	}
	e.noParseErrors()
}

func TestTokenNeverInErrors(t *testing.T) {
	e := newEnv(t, envOpt{})
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	ad, err := telegram.New(e.ctx, telegram.Config{Token: e.fake.Token(), APIURL: url, BotName: "IrBot"}, store.KV{Store: e.st}, e.log)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ad.Send(e.ctx, bot.Outgoing{Chat: group("-1"), Text: "x"})
	if err == nil || strings.Contains(err.Error(), e.fake.Token()) {
		t.Fatalf("send to a dead server: %v", err)
	}
	_, err = telegram.New(e.ctx, telegram.Config{Token: e.fake.Token(), APIURL: url}, store.KV{Store: e.st}, e.log)
	if err == nil || strings.Contains(err.Error(), e.fake.Token()) {
		t.Fatalf("getMe on a dead server: %v", err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	go func() {
		eventually(func() bool { return strings.Contains(e.logs.String(), "getUpdates failed") })
		cancel()
	}()
	ad.Receive(ctx, e.eng.Handle)
	if !strings.Contains(e.logs.String(), "getUpdates failed") {
		t.Fatal("no getUpdates failure logged")
	}
}

// auditClock is a clock the test moves by hand.
type auditClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *auditClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *auditClock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// TestForgedWebhooksAudited: every forged webhook request is told to
// OnForged; wired to a chat.RefusalAudit (as the serve command does), a
// flood of them makes one audit entry a minute, the next one counting
// the rest, and a good request still goes through.
func TestForgedWebhooksAudited(t *testing.T) {
	clock := &auditClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	var entries []chat.Refusal
	audit := chat.NewRefusalAudit(func(r chat.Refusal) { mu.Lock(); entries = append(entries, r); mu.Unlock() },
		&chat.RefusalAuditOptions{Clock: clock})
	var calls atomic.Int64
	e := newEnv(t, envOpt{cfg: telegram.Config{Mode: telegram.ModeWebhook, WebhookSecret: "s3cret_T0ken-x",
		OnForged: func(remote string) {
			calls.Add(1)
			audit.Refused(telegram.Platform, remote, "missing or wrong secret")
		}}})
	e.ad.SetHandler(e.eng.Handle)
	srv := httptest.NewServer(e.ad)
	defer srv.Close()
	post := func(secret, body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set(telegram.SecretHeader, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	u := rawMessage(900, grp, "group", 1, an, "/declare outage Core switch down")
	for i := range 50 {
		if code := post([]string{"", "wrong"}[i%2], u); code != http.StatusUnauthorized {
			t.Fatalf("forged request %d: HTTP %d, want 401", i, code)
		}
	}
	clock.add(time.Minute)
	if code := post("nope", u); code != http.StatusUnauthorized {
		t.Fatalf("forged request: HTTP %d, want 401", code)
	}
	if n := calls.Load(); n != 51 {
		t.Fatalf("OnForged called %d times, want every one of 51", n)
	}
	mu.Lock()
	got := append([]chat.Refusal(nil), entries...)
	mu.Unlock()
	if len(got) != 2 || got[0].Suppressed != 0 || got[1].Suppressed != 49 ||
		got[0].Platform != "telegram" || !strings.HasPrefix(got[0].Remote, "127.0.0.1:") {
		t.Fatalf("audit entries %+v, want 2: the first request, then one a minute later counting 49", got)
	}
	if e.incidents() != 0 {
		t.Fatal("a forged request acted")
	}
	if code := post("s3cret_T0ken-x", u); code != http.StatusOK {
		t.Fatalf("good secret: HTTP %d", code)
	}
	e.waitMsg(grp, "IR-1", "Core switch down")
}
