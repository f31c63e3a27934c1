// Package report renders the formal documents an incident produces, from
// what its timeline recorded: the post-incident report (Markdown, HTML),
// the Vietnamese initial and closing incident reports (Mẫu 03 and Mẫu 04 of
// Circular 20/2017/TT-BTTTT), and JSON for other tools. It never invents a
// fact: a field the timeline cannot fill stays blank and is listed as
// missing, to be given with /set <field> <value>.
package report

import (
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
)

// Org is the reporting unit (from configuration).
type Org struct {
	Unit    string `yaml:"unit"` // e.g. "Sở Thông tin và Truyền thông tỉnh X"
	Address string `yaml:"address"`
	Contact string `yaml:"contact"` // person to contact
	Phone   string `yaml:"phone"`
	Email   string `yaml:"email"`
}

// System is an information system the incident affected (from configuration).
type System struct {
	ID       string        `yaml:"id"`
	Name     playbook.Text `yaml:"name"`
	Owner    string        `yaml:"owner"`    // đơn vị chủ quản
	Operator string        `yaml:"operator"` // đơn vị vận hành
	Level    int           `yaml:"level"`    // security level (cấp độ) 1..5
}

// Input is everything a report is made from.
type Input struct {
	Incident   *bot.Incident
	Events     []bot.Event // the whole timeline, in order
	Playbook   *playbook.Playbook
	Lang       string         // vi or en
	Location   *time.Location // for every date and time shown
	Org        Org
	System     *System  // nil when the incident names none
	Systems    []System // every configured system, for the names of systems set by hand
	Recipients []string // who the formal reports go to (configuration)
	References []string // legal references (configuration; the rules change)
	PersonName func(id string) string
	Now        time.Time // when the report is made
}

// Fields an operator can set with /set <field> <value>; everything else
// comes from the timeline or configuration.
const (
	FieldDescription = "description"  // mô tả sự cố
	FieldHowDetected = "how_detected" // cách phát hiện (overrides what the timeline says)
	FieldImpact      = "impact"       // ảnh hưởng
	FieldCause       = "cause"        // nguyên nhân
	FieldResult      = "result"       // kết quả xử lý
	FieldNotified    = "notified"     // đã thông báo cho (adds to what the timeline shows)
	FieldSupport     = "support"      // đề nghị hỗ trợ
	FieldFollowUps   = "follow_ups"   // việc cần làm tiếp
	FieldSystem      = "system"       // id of the affected system (configuration)
)

// SettableFields lists the fields /set accepts, in form order.
func SettableFields() []string {
	return []string{FieldDescription, FieldHowDetected, FieldImpact, FieldCause, FieldResult, FieldNotified, FieldSupport, FieldFollowUps, FieldSystem}
}

// FieldName returns a settable field's display name in lang.
func FieldName(field, lang string) string {
	t := newTr(lang)
	if t.has("field." + field) {
		return t.T("field." + field)
	}
	return field
}
