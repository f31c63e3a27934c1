package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot/report/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(run with -update if the change is meant)", name, i+1, g, w)
			}
		}
	}
}

// unknownKey finds a catalogue key rendered as "[key]" (a missing entry).
var unknownKey = regexp.MustCompile(`\[[a-z0-9_]+\.[a-z0-9_.]+\]`)

func TestGolden(t *testing.T) {
	h := ransomware(t)
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			in := configured(h.input(lang))
			md := report.Markdown(in)
			html, err := report.HTML(in)
			if err != nil {
				t.Fatal(err)
			}
			f3, m3 := report.Form03(in)
			f4, m4 := report.Form04(in)
			js, err := report.JSON(in)
			if err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string]string{"md": md, "html": html, "form03": f3, "form04": f4, "json": string(js)} {
				if k := unknownKey.FindString(out); k != "" {
					t.Errorf("%s shows a missing catalogue entry %s", name, k)
				}
			}
			if len(m3) != 0 || len(m4) != 0 {
				t.Errorf("a fully configured and filled incident still misses fields: 03 %v, 04 %v", m3, m4)
			}
			golden(t, "report_"+lang+".md", []byte(md))
			golden(t, "report_"+lang+".html", []byte(html))
			golden(t, "form03_"+lang+".txt", []byte(f3))
			golden(t, "form04_"+lang+".txt", []byte(f4))
			golden(t, "report_"+lang+".json", js)
		})
	}
}

func TestLastHashIsTheLastEventsHash(t *testing.T) {
	h := ransomware(t)
	in := configured(h.input("en"))
	last := in.Events[len(in.Events)-1]
	if last.Hash != in.Incident.LastHash || len(last.Hash) != 64 {
		t.Fatalf("test setup: last event hash %q, incident %q", last.Hash, in.Incident.LastHash)
	}
	want := "Timeline: " + strconv.Itoa(len(in.Events)) + " events, last hash " + last.Hash
	md := report.Markdown(in)
	lines := strings.Split(strings.TrimRight(md, "\n"), "\n")
	if lines[len(lines)-1] != want {
		t.Fatalf("Markdown ends with %q, want %q", lines[len(lines)-1], want)
	}
	if !strings.Contains(md, "checked when this report was made: intact") {
		t.Fatal("an intact chain is not said to be intact")
	}
	f3, _ := report.Form03(in)
	f4, _ := report.Form04(in)
	html, _ := report.HTML(in)
	for name, out := range map[string]string{"form03": f3, "form04": f4, "html": html} {
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
	var js struct {
		Timeline struct {
			Events   int    `json:"events"`
			LastHash string `json:"last_hash"`
			Intact   bool   `json:"intact"`
		} `json:"timeline"`
	}
	b, _ := report.JSON(in)
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	if js.Timeline.LastHash != last.Hash || js.Timeline.Events != len(in.Events) || !js.Timeline.Intact {
		t.Fatalf("JSON timeline %+v", js.Timeline)
	}

	// A changed event is reported, not hidden.
	tampered := in
	tampered.Events = slices.Clone(in.Events)
	tampered.Events[3].Data = map[string]string{"text": "changed"}
	if md := report.Markdown(tampered); !strings.Contains(md, "WARNING: the hash chain is broken at event #4") {
		t.Fatalf("a tampered timeline is not flagged:\n%s", md[len(md)-300:])
	}
}

func TestSkippedStepsWithReasons(t *testing.T) {
	h := ransomware(t)
	for lang, want := range map[string]string{
		"vi": "Bước 3: Báo cáo lãnh đạo cơ quan và kích hoạt Đội ứng cứu sự cố — bỏ qua bởi Nguyễn Văn An lúc 26/11/2026 08:22; lý do: Lãnh đạo đã được báo qua điện thoại lúc 08:05",
		"en": "Step 3: Brief the agency leader and activate the incident response team — skipped by Nguyễn Văn An at 26/11/2026 08:22; reason: Lãnh đạo đã được báo qua điện thoại lúc 08:05",
	} {
		in := h.input(lang)
		md := report.Markdown(in)
		if !strings.Contains(md, want) {
			t.Errorf("%s: Markdown lacks the skipped step:\n%s", lang, want)
		}
		f3, _ := report.Form03(in)
		if !strings.Contains(f3, "Lãnh đạo đã được báo qua điện thoại lúc 08:05") {
			t.Errorf("%s: Mẫu 03 lacks the reason for skipping", lang)
		}
	}
	// A skipped step informs nobody: step 3 (brief the leader) is not among
	// those notified, while step 10 (police) is.
	f3, _ := report.Form03(h.input("vi"))
	s5 := section(f3, "5. Đã thông báo cho", "6. ")
	if strings.Contains(s5, "theo bước 3 ") || !strings.Contains(s5, "Công an (PA05) — theo bước 10") {
		t.Errorf("notified section:\n%s", s5)
	}
}

// section returns the text of f between two headings.
func section(f, from, to string) string {
	i := strings.Index(f, from)
	if i < 0 {
		return ""
	}
	rest := f[i:]
	if j := strings.Index(rest[len(from):], to); j >= 0 {
		return rest[:len(from)+j]
	}
	return rest
}

func TestDurations(t *testing.T) {
	base := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC) // 08:00 in Hà Nội
	inc := &bot.Incident{ID: 4, Title: "Cổng thông tin bị tấn công DDoS", Playbook: "ddos", State: bot.StateClosed, Severity: 2,
		CreatedBy: "an", Detected: base.Add(-10 * time.Minute), Declared: base, Acknowledged: base.Add(7*time.Minute + 30*time.Second),
		Contained: base.Add(65 * time.Minute), Resolved: base.Add(4 * time.Hour), Closed: base.Add(50 * time.Hour)}
	evs := []bot.Event{
		{At: base, Actor: "an", Kind: "declared", Data: map[string]string{"title": inc.Title, "playbook": "ddos", "severity": "SEV2"}},
		{At: inc.Acknowledged, Actor: "an", Kind: "ack", Data: map[string]string{"after": "7m30s"}},
		{At: inc.Resolved, Actor: "an", Kind: "resolved", Data: map[string]string{"summary": "Đã lọc lưu lượng", "duration": "4h0m0s"}},
		{At: inc.Closed, Actor: "an", Kind: "closed"},
	}
	inc.Seq, inc.LastHash = bot.Chain(0, "", evs)
	for lang, wants := range map[string][]string{
		"vi": {"Thời gian đến khi xác nhận:** 7 phút 30 giây", "Thời gian đến khi ngăn chặn xong:** 1 giờ 5 phút",
			"Thời gian đến khi xử lý xong:** 4 giờ", "Từ lúc phát hiện đến lúc khai báo:** 10 phút",
			"xác nhận sự cố, sau 7 phút 30 giây", "**Phát hiện:** 26/11/2026 07:50", "**Đóng sự cố:** 28/11/2026 10:00"},
		"en": {"Time to acknowledge:** 7 minutes 30 seconds", "Time to contain:** 1 hour 5 minutes", "Time to resolve:** 4 hours",
			"From detection to declaration:** 10 minutes", "acknowledged, after 7 minutes 30 seconds"},
	} {
		in := report.Input{Incident: inc, Events: evs, Lang: lang}
		md := report.Markdown(in)
		for _, w := range wants {
			if !strings.Contains(md, w) {
				t.Errorf("%s: Markdown lacks %q", lang, w)
			}
		}
		f4, _ := report.Form04(in)
		if !strings.Contains(f4, map[string]string{"vi": "(từ khai báo đến xử lý xong): 4 giờ", "en": "(declaration to resolution): 4 hours"}[lang]) {
			t.Errorf("%s: Mẫu 04 lacks the total response time:\n%s", lang, f4)
		}
		if !strings.Contains(f4, map[string]string{"vi": "Kết quả: Đã lọc lưu lượng", "en": "Result: Đã lọc lưu lượng"}[lang]) {
			t.Errorf("%s: Mẫu 04 does not take the result from the resolve summary", lang)
		}
	}
	var js struct {
		Durations map[string]*struct {
			Seconds int64  `json:"seconds"`
			Text    string `json:"text"`
		} `json:"durations"`
	}
	b, err := report.JSON(report.Input{Incident: inc, Events: evs, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]int64{"time_to_acknowledge": 450, "time_to_contain": 3900, "time_to_resolve": 14400, "detection_to_declaration": 600} {
		if d := js.Durations[k]; d == nil || d.Seconds != want {
			t.Errorf("JSON %s = %+v, want %d s", k, d, want)
		}
	}

	// Not yet acknowledged: no duration is made up.
	open := &bot.Incident{ID: 5, Title: "x", State: bot.StateTriggered, Declared: base, Detected: base, CreatedBy: "an"}
	md := report.Markdown(report.Input{Incident: open, Lang: "en"})
	for _, w := range []string{"Time to acknowledge:** not yet", "Time to resolve:** not yet", "**Acknowledged:** —"} {
		if !strings.Contains(md, w) {
			t.Errorf("open incident: Markdown lacks %q", w)
		}
	}
	b, _ = report.JSON(report.Input{Incident: open, Lang: "en"})
	if !strings.Contains(string(b), `"time_to_acknowledge": null`) {
		t.Errorf("open incident: JSON gives a time to acknowledge:\n%s", b)
	}
}

func TestNoFieldIsInvented(t *testing.T) {
	h := newHarness(t, false)
	h.do("an", "/declare ransomware Máy chủ kế toán bị mã hoá dữ liệu")
	h.clock.at(8, 4)
	h.do("an", "/ack")
	in := h.input("vi") // no configuration at all, no /set
	text, missing := report.Form03(in)
	for _, f := range []string{report.FieldDescription, report.FieldImpact, report.FieldCause, report.FieldSupport, report.FieldResult,
		report.FieldNotified, report.FieldSystem, "org.unit", "org.address", "org.contact", "org.phone", "org.email", "recipients", "references"} {
		if !slices.Contains(missing, f) {
			t.Errorf("missing lacks %s: %v", f, missing)
		}
	}
	if slices.Contains(missing, report.FieldHowDetected) {
		t.Error("how_detected is missing although the timeline says who declared it")
	}
	if !slices.Equal(missing, report.Missing(in, "vi03")) {
		t.Errorf("Missing(vi03) = %v, Form03 said %v", report.Missing(in, "vi03"), missing)
	}
	for _, w := range []string{
		"- Mô tả sự cố: …………", "- Tên/tiêu đề sự cố: Máy chủ kế toán bị mã hoá dữ liệu", "- Tên đơn vị: …………",
		"7. Nguyên nhân\n…………\n", "8. Đề nghị hỗ trợ\n…………\n", "Kính gửi: …………", "Căn cứ …………;",
		"- Cách thức phát hiện: Do Nguyễn Văn An khai báo qua irbot",
		"\n- /set cause <nội dung>\n", "\n- cấu hình: org.unit\n",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("Mẫu 03 lacks %q:\n%s", w, text)
		}
	}
	if strings.Count(text, "Máy chủ kế toán bị mã hoá dữ liệu") != 1 {
		t.Error("the title stands in for another field")
	}
	_, m4 := report.Form04(in)
	for _, f := range []string{report.FieldFollowUps, "resolved", "closed"} {
		if !slices.Contains(m4, f) {
			t.Errorf("Mẫu 04 missing lacks %s: %v", f, m4)
		}
	}

	// Now fill them, as /set would: a field_set event and the snapshot.
	values := map[string]string{
		report.FieldDescription: "Dữ liệu phòng Kế toán bị mã hoá",
		report.FieldImpact:      "Phòng Kế toán ngừng làm việc",
		report.FieldCause:       "RDP mở ra Internet",
		report.FieldSupport:     "Hỗ trợ phân tích mã độc",
		report.FieldResult:      "Đã cô lập máy bị nhiễm",
		report.FieldNotified:    "Văn phòng UBND tỉnh",
		report.FieldHowDetected: "Người dùng báo qua điện thoại",
	}
	for _, f := range bot.SortedKeys(values) {
		h.set("binh", f, values[f])
	}
	in = configured(h.input("vi"))
	text, missing = report.Form03(in)
	if len(missing) != 0 {
		t.Errorf("still missing after /set and configuration: %v", missing)
	}
	for _, v := range values {
		if !strings.Contains(text, v) {
			t.Errorf("Mẫu 03 lacks the set value %q", v)
		}
	}
	if strings.Contains(text, "…………") || strings.Contains(text, "/set ") {
		t.Errorf("a filled Mẫu 03 still shows blanks or hints:\n%s", text)
	}
	if strings.Contains(text, "Do Nguyễn Văn An khai báo") {
		t.Error("how_detected set by hand does not override the derived one")
	}
	md := report.Markdown(in)
	if !strings.Contains(md, "Trần Thị Bình — cập nhật nguyên nhân: RDP mở ra Internet") {
		t.Errorf("the field_set event is not in the timeline:\n%s", md)
	}
	if m := report.Missing(in, "nosuch"); m != nil {
		t.Errorf("unknown form: %v", m)
	}
}

func TestAlertOpenedIncident(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	_, err := h.eng.Alerts(ctx, intake.Route{Route: "prometheus", Chat: "soc"}, []bot.Alert{{Route: "prometheus", Source: "alertmanager",
		Fingerprint: "f1", GroupKey: "g1", Status: bot.AlertFiring, Title: "Mass file encryption on fs01", Severity: "critical",
		Labels: map[string]string{"alertname": "MassFileEncryption"}, Raw: `{"fingerprint":"f1"}`}}, func(bot.Alert) int { return 1 })
	if err != nil {
		t.Fatal(err)
	}
	in := h.input("en")
	f3, missing := report.Form03(in)
	if !strings.Contains(f3, "- How it was detected: Alert “Mass file encryption on fs01” from monitoring route prometheus") {
		t.Errorf("how detected is not derived from the alert:\n%s", f3)
	}
	if slices.Contains(missing, report.FieldHowDetected) {
		t.Error("how_detected missing for an alert-opened incident")
	}
	md := report.Markdown(in)
	if !strings.Contains(md, "alert prometheus — opened from alerts of route prometheus") || strings.Contains(md, "fingerprint") {
		t.Errorf("alert actor or raw payload:\n%s", md)
	}
	vi := report.Markdown(h.input("vi"))
	if !strings.Contains(vi, "cảnh báo prometheus — mở sự cố từ cảnh báo tuyến prometheus") {
		t.Errorf("alert actor in Vietnamese:\n%s", vi)
	}
}

func TestHTMLEscapesUserText(t *testing.T) {
	h := ransomware(t)
	in := configured(h.input("vi"))
	in.Incident.Title = `<script>alert("x")</script>`
	page, err := report.HTML(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<README.txt>", `& "HOW`} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML holds unescaped user text %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "&lt;README.txt&gt; &amp; &#34;HOW_TO_DECRYPT&#34;"} {
		if !strings.Contains(page, good) {
			t.Errorf("HTML lacks escaped %q", good)
		}
	}
	md := report.Markdown(in)
	if !strings.Contains(md, `tệp <README.txt> & "HOW_TO_DECRYPT"`) {
		t.Error("Markdown changed user text")
	}
}

func TestReportWithoutPlaybookOrNames(t *testing.T) {
	inc := &bot.Incident{ID: 9, Title: "t", Playbook: "gone", State: "containment", Steps: map[string]bot.StepState{
		"isolate": {Status: bot.StepDone, By: "an"}}}
	evs := []bot.Event{{At: time.Unix(0, 0), Actor: "an", Kind: "step_done", Data: map[string]string{"step": "4", "id": "isolate", "title": "Isolate infected hosts"}},
		{At: time.Unix(60, 0), Actor: "bot", Kind: "custom_kind", Data: map[string]string{"a": "1", "raw": "{}"}}}
	bot.Chain(0, "", evs)
	in := report.Input{Incident: inc, Events: evs, Lang: "en"}
	md := report.Markdown(in)
	for _, w := range []string{"step 4 done: Isolate infected hosts", "irbot — custom_kind a=1", "Playbook gone is not available"} {
		if !strings.Contains(md, w) {
			t.Errorf("Markdown lacks %q:\n%s", w, md)
		}
	}
	if _, err := report.HTML(in); err != nil {
		t.Fatal(err)
	}
	if _, err := report.JSON(in); err != nil {
		t.Fatal(err)
	}
	// A zero input does not panic.
	report.Markdown(report.Input{})
	report.Form04(report.Input{})
	if _, err := report.JSON(report.Input{}); err != nil {
		t.Fatal(err)
	}
}
