package bench

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

var alertsPerRun = flag.Int("delivery.alerts", 20, "alerts BenchmarkDelivery sends one by one in the quiet and backlog scenarios")

const (
	backlogNotes = 500 // /note commands typed in the soc group before the backlog scenario
	stormAlerts  = 100 // alerts posted at once in the storm scenario
	pageTimeout  = 10 * time.Second
	// readTime is how long the officer looks at a page before pressing
	// Acknowledge, and how long the next alert waits after the answer:
	// just over Telegram's one message a second to a private chat, so
	// that each page and each answer finds the chat's window free.
	readTime = 1100 * time.Millisecond
)

// BenchmarkDelivery runs the delivery scenarios against the built binary
// and prints one table of their results. Each scenario runs once per
// iteration (use -benchtime=1x); each starts its own "irbot serve" and its
// own fake Bot API. Latencies are measured on this process's clock: from
// just before the alert's POST (or the button press) to the moment the
// fake Bot API took the message.
func BenchmarkDelivery(b *testing.B) {
	type scenario struct {
		name string
		run  func(b *testing.B) ([]result, []string)
	}
	scenarios := []scenario{
		{"quiet", quiet},
		{"backlog", backlog},
		{"storm", storm},
	}
	done := map[string][]result{}
	notes := map[string][]string{}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			var rows []result
			var ns []string
			for i := 0; i < b.N; i++ {
				r, n := sc.run(b)
				rows, ns = merge(rows, r), append(ns, n...)
			}
			b.ReportMetric(0, "ns/op")
			for _, r := range rows {
				p50, p99, mx := r.Stats()
				b.ReportMetric(float64(p50)/1e6, r.Key+"-p50-ms")
				b.ReportMetric(float64(p99)/1e6, r.Key+"-p99-ms")
				b.ReportMetric(float64(mx)/1e6, r.Key+"-max-ms")
				b.ReportMetric(float64(r.Lost()), r.Key+"-lost")
			}
			if len(rows) > 0 {
				b.ReportMetric(float64(rows[0].N429), "429s")
			}
			done[sc.name], notes[sc.name] = rows, ns // a re-run replaces, never adds
		})
	}
	var rows []result
	var all []string
	for _, sc := range scenarios {
		rows, all = append(rows, done[sc.name]...), append(all, notes[sc.name]...)
	}
	if len(rows) > 0 {
		printTable(os.Stdout, rows, all)
	}
}

// merge adds the rows of another iteration to rows, row by row.
func merge(rows, more []result) []result {
	if rows == nil {
		return more
	}
	for i := range rows {
		rows[i].Samples = append(rows[i].Samples, more[i].Samples...)
		rows[i].Expected += more[i].Expected
		rows[i].N429 += more[i].N429
	}
	return rows
}

// pageGoal is the goal for alert → page.
const pageGoal = "p50 < 50 ms, p99 < 250 ms"

func pageOK(p50, p99, _ time.Duration) bool {
	return p50 < 50*time.Millisecond && p99 < 250*time.Millisecond
}

// quiet: alerts one by one into an idle bot; the duty officer
// acknowledges each page with its button.
func quiet(b *testing.B) ([]result, []string) {
	s := startServe(b)
	pages, acks := s.pageAndAck(b, "quiet", *alertsPerRun)
	n429 := s.tg.Count429()
	return []result{
		{Scenario: "alert → page, quiet", Key: "page", Samples: pages, Expected: *alertsPerRun, N429: n429, Goal: pageGoal, OK: pageOK},
		{Scenario: "/ack button → answer, quiet", Key: "ack", Samples: acks, Expected: *alertsPerRun, N429: n429, Goal: "none set; 0 × 429, 0 lost"},
	}, []string{s.deliveryNote("quiet")}
}

// backlog: the soc group types 500 notes, whose answers queue behind the
// group's 20 a minute; then the same alerts one by one.
func backlog(b *testing.B) ([]result, []string) {
	s := startServe(b)
	s.tg.SendText(chatSOC, userAn, "/declare@IrBot ransomware sev1 Máy chủ kế toán bị mã hoá")
	began := time.Now()
	for i := range backlogNotes {
		s.tg.SendText(chatSOC, userAn, fmt.Sprintf("/note ghi chú số %03d", i+1))
		time.Sleep(10 * time.Millisecond)
	}
	if !s.tg.WaitFor(60*time.Second, func() bool { return s.tg.Pending() == 0 }) {
		b.Fatalf("the bot did not read the %d notes within a minute\n%s", backlogNotes, s.log())
	}
	// The bot has read every note; give the last commits a moment.
	waiting := 0.0
	for range 50 {
		waiting = 0
		for _, class := range []string{"page", "reply", "notice", "background"} {
			v, _ := s.metric(fmt.Sprintf(`irbot_outbox_depth{class=%q}`, class))
			waiting += v
		}
		if waiting >= backlogNotes*0.9 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	typed := time.Since(began)
	answered := len(s.tg.Messages(chatSOC))
	pages, acks := s.pageAndAck(b, "backlog", *alertsPerRun)
	n429 := s.tg.Count429()
	note := fmt.Sprintf("backlog: %d notes typed in soc over %.1f s; %.0f messages waiting in the outbox when the first alert came; soc had %d bot messages then, %d at the end",
		backlogNotes, typed.Seconds(), waiting, answered, len(s.tg.Messages(chatSOC)))
	return []result{
		{Scenario: fmt.Sprintf("alert → page, %d-message backlog in soc", backlogNotes), Key: "page", Samples: pages, Expected: *alertsPerRun, N429: n429, Goal: pageGoal, OK: pageOK},
		{Scenario: "/ack button → answer, backlog", Key: "ack", Samples: acks, Expected: *alertsPerRun, N429: n429, Goal: "none set; 0 × 429, 0 lost"},
	}, []string{note, s.deliveryNote("backlog")}
}

// pageAndAck posts n alerts one at a time. For each it waits for the page
// in the duty officer's private chat (an or binh, whoever is on duty),
// lets the officer read it, presses its Acknowledge button and waits for
// the bot's answer. It returns the alert → page and press → answer
// latencies of the pages and answers that came.
func (s *server) pageAndAck(b *testing.B, tag string, n int) (pages, acks []time.Duration) {
	for i := range n {
		start := time.Now()
		ref, err := s.alert(fmt.Sprintf("%s-%03d", tag, i+1))
		if err != nil {
			b.Error(err)
			continue
		}
		page, officer, ok := s.waitPage(ref, start.Add(pageTimeout))
		if !ok {
			b.Logf("%s: no page for %s within %s", tag, ref, pageTimeout)
			continue
		}
		pages = append(pages, page.At.Sub(start))
		time.Sleep(time.Until(page.At.Add(readTime)))
		if len(page.Buttons) == 0 {
			b.Logf("%s: the page for %s has no button", tag, ref)
			continue
		}
		pressed := time.Now()
		s.tg.PressButton(officer, officer, page.ID, page.Buttons[0][0].CallbackData)
		var at time.Time
		s.tg.WaitFor(pageTimeout, func() bool {
			for _, m := range s.tg.Messages(officer) {
				switch {
				case m.ID != page.ID && m.At.After(pressed) && names(m.Text, ref):
					at = m.At // an answer
					return true
				case m.ID == page.ID && m.Edits > page.Edits:
					at = time.Now() // the page edited (the fake keeps no edit time)
					return true
				}
			}
			return false
		})
		if at.IsZero() {
			b.Logf("%s: no answer to the acknowledgement of %s within %s", tag, ref, pageTimeout)
			continue
		}
		acks = append(acks, at.Sub(pressed))
		time.Sleep(time.Until(at.Add(readTime)))
	}
	return pages, acks
}

// waitPage waits until deadline for the first bot message naming ref in
// the private chat of an or binh, and returns it with the chat.
func (s *server) waitPage(ref string, deadline time.Time) (telegramtest.Message, int64, bool) {
	var page telegramtest.Message
	var officer int64
	s.tg.WaitFor(time.Until(deadline), func() bool {
		for _, id := range []int64{userAn, userBinh} {
			for _, m := range s.tg.Messages(id) {
				if names(m.Text, ref) {
					page, officer = m, id
					return true
				}
			}
		}
		return false
	})
	return page, officer, officer != 0
}

// storm: 100 alerts at once. Level 1 pages the duty officer, in bundles;
// nobody acknowledges, so after escalateAfter level 2 pages an.
func storm(b *testing.B) ([]result, []string) {
	s := startServe(b)
	type posted struct {
		ref        string
		start, end time.Time // the POST's start and its answer
	}
	sent := make([]posted, stormAlerts)
	t0 := time.Now()
	var wg sync.WaitGroup
	for i := range stormAlerts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			ref, err := s.alert(fmt.Sprintf("storm-%03d", i+1))
			if err != nil {
				b.Error(err)
				return
			}
			sent[i] = posted{ref: ref, start: start, end: time.Now()}
		}()
	}
	wg.Wait()
	postedIn := time.Since(t0)
	want := map[string]time.Time{}     // ref → when its alert was posted
	answered := map[string]time.Time{} // ref → when its POST was answered
	for _, p := range sent {
		if p.ref != "" {
			want[p.ref], answered[p.ref] = p.start, p.end
		}
	}

	// firstSeen returns, for each wanted ref, the first message in chat
	// naming it at or after from(ref).
	firstSeen := func(chat int64, from func(ref string) time.Time) map[string]time.Time {
		seen := map[string]time.Time{}
		for _, m := range s.tg.Messages(chat) {
			for _, r := range refs(m.Text) {
				if _, ok := want[r]; !ok {
					continue
				}
				if _, dup := seen[r]; !dup && !m.At.Before(from(r)) {
					seen[r] = m.At
				}
			}
		}
		return seen
	}
	fromPost := func(string) time.Time { return t0 }
	due := func(r string) time.Time { return want[r].Add(escalateAfter) }

	// Level 1: whoever of an and binh is on duty; nothing else pages them
	// before level 2 is due.
	var officer int64
	var level1 map[string]time.Time
	s.tg.WaitFor(escalateAfter, func() bool {
		for _, id := range []int64{userAn, userBinh} {
			if seen := firstSeen(id, fromPost); len(seen) > 0 && (officer == 0 || officer == id) {
				officer, level1 = id, seen
			}
		}
		return officer != 0 && len(level1) == len(want)
	})
	bundles := 0
	if officer != 0 {
		for _, m := range s.tg.Messages(officer) {
			if m.At.Before(t0.Add(escalateAfter)) && len(refs(m.Text)) > 0 {
				bundles++
			}
		}
	}
	// Level 2: person:an, from each alert's time + escalateAfter (the
	// exact due time comes from the store below).
	var level2 map[string]time.Time
	s.tg.WaitFor(time.Until(t0.Add(postedIn+escalateAfter+20*time.Second)), func() bool {
		level2 = firstSeen(userAn, due)
		return len(level2) == len(want)
	})
	n429 := s.tg.Count429()

	counters := s.deliveryNote("storm")
	level2Messages := 0
	for _, m := range s.tg.Messages(userAn) {
		if !m.At.Before(t0.Add(escalateAfter)) && len(refs(m.Text)) > 0 {
			level2Messages++
		}
	}

	// Level 2 is due escalateAfter after the incident's page started,
	// which only the store knows to the nanosecond (the alert was posted
	// a little earlier); the store also says when the timer fired.
	var all []string
	for r := range want {
		all = append(all, r)
	}
	incs := s.incidents(b, all)
	var l1, l2, l2post, fired, delivered []time.Duration
	for _, at := range level1 {
		l1 = append(l1, at.Sub(t0))
	}
	for r, at := range level2 {
		l2post = append(l2post, at.Sub(due(r)))
		if inc := incs[r]; len(inc.Pages) > 0 {
			p := inc.Pages[0]
			timerDue := p.Started.Add(escalateAfter)
			l2 = append(l2, at.Sub(timerDue))
			if p.Step == 1 {
				fired = append(fired, p.StepAt.Sub(timerDue))
				delivered = append(delivered, at.Sub(p.StepAt))
			}
		}
	}
	person := map[int64]string{userAn: "an", userBinh: "binh"}
	notes := []string{
		fmt.Sprintf("storm: %d alerts posted at once, all answered within %.2f s; level 1 paged %s in %d messages, level 2 (person:an, %s after each page started) in %d",
			len(want), postedIn.Seconds(), person[officer], bundles, escalateAfter, level2Messages),
		fmt.Sprintf("storm: level-2 timers fired after their due time: p50 %s, max %s; level-2 pages delivered after their timer fired: p50 %s, max %s",
			ms(quantile(fired, 0.5)), ms(quantile(fired, 1)), ms(quantile(delivered, 0.5)), ms(quantile(delivered, 1))),
		counters,
	}
	level2OK := func(_, _, mx time.Duration) bool { return mx < time.Second }
	return []result{
		{Scenario: fmt.Sprintf("storm of %d: duty officer paged (from the storm's start)", stormAlerts), Key: "officer",
			Samples: l1, Expected: stormAlerts, N429: n429, Goal: "all within 10 s",
			OK: func(_, _, mx time.Duration) bool { return mx < 10*time.Second }},
		{Scenario: fmt.Sprintf("storm of %d: level-2 page after its due time (page start + %s, from the store)", stormAlerts, escalateAfter), Key: "level2",
			Samples: l2, Expected: stormAlerts, N429: n429, Goal: "all within 1 s", OK: level2OK},
		{Scenario: fmt.Sprintf("storm of %d: level-2 page after alert + %s (the POST's start)", stormAlerts, escalateAfter), Key: "level2post",
			Samples: l2post, Expected: stormAlerts, N429: n429, Goal: "all within 1 s", OK: level2OK},
	}, notes
}

// deliveryNote sums up the deliverer's own counters from /metrics.
func (s *server) deliveryNote(scenario string) string {
	var parts []string
	for _, c := range []struct{ name, label string }{
		{"irbot_delivery_sent_total", "sent or edited"},
		{"irbot_delivery_rate_limited_total", "refused with retry-after"},
		{"irbot_delivery_retries_total", "retried"},
		{"irbot_delivery_failures_total", "failed"},
		{"irbot_delivery_expired_total", "expired"},
	} {
		v, err := s.metric(c.name)
		if err != nil {
			parts = append(parts, c.label+" ?")
			continue
		}
		parts = append(parts, fmt.Sprintf("%.0f %s", v, c.label))
	}
	return fmt.Sprintf("%s: the bot's counters: %s", scenario, strings.Join(parts, ", "))
}
