package report_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
	"github.com/irbot/irbot/bot/scheduler"
	"github.com/irbot/irbot/store"
)

// ict is Việt Nam's zone, fixed so the output never depends on tzdata.
var ict = time.FixedZone("ICT", 7*3600)

// fakeClock is a clock the script moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// at moves the clock to hh:mm on 26/11/2026, Hà Nội time.
func (c *fakeClock) at(hh, mm int) {
	c.mu.Lock()
	c.now = time.Date(2026, 11, 26, hh, mm, 0, 0, ict).UTC()
	c.mu.Unlock()
}

// harness runs the real engine on a bbolt file with the bundled playbooks.
type harness struct {
	t     *testing.T
	eng   *engine.Engine
	st    store.Store
	clock *fakeClock
	sched *scheduler.Scheduler
	dir   *bot.Directory
	n     int
}

var soc = bot.ChatRef{Platform: "console", ID: "soc"}

func team() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "Nguyễn Văn An"},
		{ID: "binh", Name: "Trần Thị Bình"},
		{ID: "cuong", Name: "Lê Văn Cường", Language: "en"},
	}, []bot.Chat{{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}}})
}

// newHarness starts an engine at 08:00 on 26/11/2026. With paging, the
// "security" policy pages binh, then cuong after 5 minutes.
func newHarness(t *testing.T, paging bool) *harness {
	t.Helper()
	st, books := enginetest.OpenStore(t, ""), enginetest.Playbooks(t)
	clock := &fakeClock{}
	clock.at(8, 0)
	dir := team()
	o := engine.Options{Language: "vi", Location: ict, Clock: clock, Directory: dir}
	if paging {
		o.Policies = []oncall.Policy{{ID: "security", Levels: []oncall.Level{
			{Targets: []string{"person:binh"}, After: "5m"},
			{Targets: []string{"person:cuong"}, After: "10m"},
		}}}
	}
	eng := engine.New(st, books, o)
	return &harness{t: t, eng: eng, st: st, clock: clock, dir: dir, sched: scheduler.New(st, eng.Fire, clock, "test", nil)}
}

// do sends a command as user from the soc chat (or their direct chat with
// dm) and fails the test on a store error.
func (h *harness) do(user, text string) {
	h.t.Helper()
	h.n++
	if err := h.eng.Handle(context.Background(), bot.Inbound{Platform: "console", Chat: soc, User: user, Text: text, ID: fmt.Sprint(h.n)}); err != nil {
		h.t.Fatalf("%s: %v", text, err)
	}
}

// tick fires the due timers.
func (h *harness) tick() {
	h.t.Helper()
	if _, err := h.sched.Tick(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// set records a report field the way /set does: the field in the incident
// snapshot and a field_set event in the same commit. (The engine's /set
// handler is not there yet; this writes what it is to write.)
func (h *harness) set(user, field, value string) {
	h.t.Helper()
	ctx := context.Background()
	inc, err := h.st.Incident(ctx, 1)
	if err != nil {
		h.t.Fatal(err)
	}
	c := inc.Clone()
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	c.Fields[field] = value
	now := h.clock.Now()
	c.Updated = now
	evs := []bot.Event{{At: now, Actor: user, Kind: "field_set", Data: map[string]string{"field": field, "value": value}}}
	c.Seq, c.LastHash = bot.Chain(c.Seq, c.LastHash, evs)
	if err := h.st.Commit(ctx, &store.Tx{Incident: c, Events: evs}); err != nil {
		h.t.Fatal(err)
	}
}

// input reads incident 1 and its timeline into a report input.
func (h *harness) input(lang string) report.Input {
	h.t.Helper()
	ctx := context.Background()
	inc, err := h.st.Incident(ctx, 1)
	if err != nil {
		h.t.Fatal(err)
	}
	evs, err := h.st.Timeline(ctx, 1, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	pb, _ := h.eng.Playbooks().Get(inc.Playbook)
	return report.Input{Incident: inc, Events: evs, Playbook: pb, Lang: lang, Location: ict, Now: h.clock.Now(),
		PersonName: func(id string) string {
			if p, ok := h.dir.Person(id); ok {
				return p.Name
			}
			return ""
		}}
}

// configured adds the configuration a real deployment has.
func configured(in report.Input) report.Input {
	in.Org = report.Org{Unit: "Sở Khoa học và Công nghệ tỉnh Lạng Sơn", Address: "Số 1 đường Hoàng Văn Thụ, phường Lương Văn Tri, tỉnh Lạng Sơn",
		Contact: "Nguyễn Văn An", Phone: "0205 3870 000", Email: "attt@sokhcn.langson.gov.vn"}
	in.System = &report.System{ID: "dvc", Name: playbook.Text{"vi": "Cổng dịch vụ công tỉnh", "en": "Provincial public service portal"},
		Owner: "UBND tỉnh Lạng Sơn", Operator: "Trung tâm Chuyển đổi số tỉnh", Level: 3}
	in.Recipients = []string{"Cục An toàn thông tin", "Công an tỉnh Lạng Sơn (PA05)"}
	in.References = []string{"Quyết định số 05/2017/QĐ-TTg ngày 16/3/2017 của Thủ tướng Chính phủ",
		"Thông tư số 20/2017/TT-BTTTT ngày 12/9/2017 của Bộ Thông tin và Truyền thông"}
	return in
}

// ransomware scripts a whole incident: declared, paged and escalated,
// acknowledged, steps done with notes, one skipped with a reason, a note,
// a severity change, an overdue step, report fields set, resolved, closed.
func ransomware(t *testing.T) *harness {
	h := newHarness(t, true)
	h.do("an", "/declare ransomware Máy chủ kế toán bị mã hoá dữ liệu")
	h.clock.at(8, 5)
	h.tick() // nobody acknowledged: level 2 (cuong)
	h.clock.at(8, 7)
	h.do("cuong", "/ack IR-1")
	h.clock.at(8, 12)
	h.do("an", `/done 1 Thư mục chia sẻ \\fs01 bị mã hoá, đuôi .lockbit; 12 máy trạm phòng Kế toán`)
	h.clock.at(8, 15)
	h.do("an", "/assign operator binh")
	h.clock.at(8, 20)
	h.do("an", "/done 2 Hệ thống cấp độ 3; sự cố nghiêm trọng")
	h.clock.at(8, 22)
	h.do("an", "/skip 3 Lãnh đạo đã được báo qua điện thoại lúc 08:05")
	h.clock.at(8, 25)
	h.do("an", "/next")
	h.clock.at(8, 45)
	h.tick() // step 4 is overdue
	h.clock.at(8, 47)
	h.do("binh", "/done 4 Đã rút cáp 12 máy, tắt cổng switch tầng 3")
	h.clock.at(8, 50)
	h.do("binh", "/done 5")
	h.clock.at(8, 52)
	h.do("an", `/note Kẻ tấn công để lại tệp <README.txt> & "HOW_TO_DECRYPT" đòi 2 BTC; không liên hệ`)
	h.clock.at(8, 55)
	h.do("an", "/sev 2 Chỉ ảnh hưởng phòng Kế toán, đã cô lập")
	h.clock.at(9, 0)
	h.do("binh", "/done 6")
	h.do("binh", "/done 7 Đã đổi mật khẩu 3 tài khoản quản trị miền")
	h.clock.at(9, 5)
	h.do("an", "/next")
	h.clock.at(9, 10)
	h.set("an", report.FieldSystem, "dvc")
	h.set("an", report.FieldDescription, "Mã độc tống tiền LockBit mã hoá thư mục dùng chung và 12 máy trạm phòng Kế toán.")
	h.set("an", report.FieldImpact, "Phòng Kế toán ngừng làm việc nửa ngày; Cổng dịch vụ công không bị ảnh hưởng.")
	h.clock.at(9, 30)
	h.do("binh", "/done 8 Ảnh bộ nhớ và nhật ký đã băm SHA-256, biên bản số 01/BB")
	h.do("binh", "/done 9 LockBit 3.0, vào qua RDP mở ra Internet")
	h.clock.at(10, 0)
	h.do("an", "/done 10 Đã gửi báo cáo ban đầu cho PA05 qua thư điện tử")
	h.clock.at(10, 5)
	h.do("an", "/done 11")
	h.set("an", report.FieldNotified, "Văn phòng UBND tỉnh (điện thoại, 09:40)")
	h.do("an", "/next")
	h.clock.at(11, 30)
	h.do("binh", "/done 12")
	h.do("binh", "/done 13")
	h.do("an", "/next")
	h.clock.at(11, 50)
	h.do("an", "/done 16")
	h.set("an", report.FieldCause, "Cổng RDP của máy chủ kế toán mở ra Internet, mật khẩu yếu.")
	h.set("an", report.FieldSupport, "Đề nghị Cục An toàn thông tin hỗ trợ phân tích mẫu mã độc.")
	h.set("an", report.FieldFollowUps, "Đóng RDP ra Internet; áp dụng sao lưu 3-2-1; diễn tập ransomware trong quý I/2027.")
	h.clock.at(12, 0)
	h.do("an", "/resolve Đã khôi phục từ bản sao lưu sạch ngày 25/11; dịch vụ hoạt động lại")
	h.clock.at(12, 10)
	h.do("an", "/close")
	h.clock.at(12, 15)
	return h
}
