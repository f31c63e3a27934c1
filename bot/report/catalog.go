package report

import (
	"fmt"
	"strings"
)

// Languages of the catalogue, as indexes into its [2]string entries.
const (
	langVI = 0
	langEN = 1
)

// langIndex maps a language code to a catalogue index: English for "en"
// (with any region), Vietnamese for everything else.
func langIndex(lang string) int {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return langEN
	}
	return langVI
}

// langCodes are the codes of the catalogue's languages, by index.
func langCodes() [2]string { return [2]string{"vi", "en"} }

// blank is what an unfilled field shows: a dotted line to write on.
const blank = "…………"

// catalogue holds every word the reports say, as fmt templates:
// key -> {Vietnamese, English}. It is built afresh for each report so the
// package keeps no mutable state.
func catalogue() map[string][2]string {
	return map[string][2]string{
		// Post-incident report (Markdown, HTML).
		"doc.title":  {"Báo cáo sự cố %s", "Incident report %s"},
		"doc.made":   {"Lập lúc %s từ dòng thời gian của sự cố (irbot).", "Made at %s from the incident's timeline (irbot)."},
		"doc.made0":  {"Lập từ dòng thời gian của sự cố (irbot).", "Made from the incident's timeline (irbot)."},
		"sec.sum":    {"Tóm tắt", "Summary"},
		"sec.impact": {"Ảnh hưởng", "Impact"},
		"sec.times":  {"Các mốc thời gian", "Key times"},
		"sec.dur":    {"Thời lượng (tính từ lúc khai báo)", "Durations (from the declaration)"},
		"sec.tl":     {"Diễn biến", "Timeline"},
		"sec.people": {"Ai đã làm gì", "Who did what"},
		"sec.pages":  {"Gọi trực", "Pages"},
		"sec.skip":   {"Các bước bỏ qua", "Skipped steps"},
		"sec.open":   {"Bước bắt buộc chưa xong", "Open required steps"},
		"sec.opt":    {"Bước không bắt buộc chưa làm", "Optional steps not done"},
		"sec.follow": {"Việc cần làm tiếp", "Follow-ups"},
		"sec.chain":  {"Kiểm chứng", "Verification"},

		"col.seq":   {"#", "#"},
		"col.time":  {"Thời điểm", "Time"},
		"col.actor": {"Người thực hiện", "By"},
		"col.what":  {"Nội dung", "What"},

		"label.ref":      {"Mã sự cố", "Reference"},
		"label.title":    {"Tiêu đề", "Title"},
		"label.playbook": {"Kịch bản ứng cứu", "Playbook"},
		"label.severity": {"Mức độ", "Severity"},
		"label.category": {"Loại sự cố", "Category"},
		"label.state":    {"Trạng thái", "State"},
		"label.system":   {"Hệ thống bị ảnh hưởng", "Affected system"},
		"label.level":    {"Cấp độ an toàn hệ thống", "System security level"},
		"label.desc":     {"Mô tả", "Description"},
		"label.how":      {"Cách phát hiện", "How detected"},
		"label.cause":    {"Nguyên nhân", "Cause"},
		"label.result":   {"Kết quả xử lý", "Result"},
		"label.notified": {"Đã thông báo cho", "Notified"},

		"time.detected":     {"Phát hiện", "Detected"},
		"time.declared":     {"Khai báo", "Declared"},
		"time.acknowledged": {"Xác nhận", "Acknowledged"},
		"time.contained":    {"Ngăn chặn xong", "Contained"},
		"time.resolved":     {"Xử lý xong", "Resolved"},
		"time.closed":       {"Đóng sự cố", "Closed"},

		"dur.tta":     {"Thời gian đến khi xác nhận", "Time to acknowledge"},
		"dur.ttc":     {"Thời gian đến khi ngăn chặn xong", "Time to contain"},
		"dur.ttr":     {"Thời gian đến khi xử lý xong", "Time to resolve"},
		"dur.detect":  {"Từ lúc phát hiện đến lúc khai báo", "From detection to declaration"},
		"dur.not_yet": {"chưa", "not yet"},
		"unit.second": {"giây", "second"},
		"unit.minute": {"phút", "minute"},
		"unit.hour":   {"giờ", "hour"},
		"unit.day":    {"ngày", "day"},

		"level":       {"cấp độ %d", "level %d"},
		"none":        {"Không có.", "None."},
		"hint.set":    {"bổ sung: /set %s <nội dung>", "fill in: /set %s <text>"},
		"hint.config": {"cấu hình: %s", "configuration: %s"},
		"hint.resolv": {"khi xử lý xong: /resolve <tóm tắt>", "when resolved: /resolve <summary>"},
		"hint.close":  {"khi kết thúc: /close", "when finished: /close"},

		// People and actors.
		"actor.alert": {"cảnh báo %s", "alert %s"},
		"people.role": {"Vai trò: %s", "Role: %s"},
		"people.done": {"%s — hoàn thành bước %s: %s", "%s — did step %s: %s"},
		"people.skip": {"%s — bỏ qua bước %s: %s", "%s — skipped step %s: %s"},
		"people.note": {"%s — ghi chú: %s", "%s — note: %s"},
		"people.act":  {"%s — %s", "%s — %s"},
		"people.none": {"Chưa có ai thao tác.", "Nobody has acted yet."},
		"with.note":   {" (ghi chú: %s)", " (note: %s)"},
		"with.reason": {" (lý do: %s)", " (reason: %s)"},

		// Pages.
		"page.head":       {"Lần gọi %s — chính sách %s, bắt đầu %s", "Page %s — policy %s, started %s"},
		"page.head_adhoc": {"Lần gọi %s — gọi trực tiếp %s, bắt đầu %s", "Page %s — ad hoc to %s, started %s"},
		"page.level":      {"%s — cấp %s, vòng %s: %s", "%s — level %s, round %s: %s"},
		"page.reason":     {"Lý do gọi: %s", "Reason: %s"},
		"page.acked":      {"Được nhận bởi %s lúc %s, sau %s (cấp %s)", "Acknowledged by %s at %s, after %s (level %s)"},
		"page.expired":    {"Hết lượt gọi, không ai nhận.", "Expired: nobody acknowledged."},
		"page.cancelled":  {"Dừng gọi vì sự cố đã kết thúc.", "Stopped: the incident ended."},
		"page.waiting":    {"Đang chờ người nhận.", "Waiting for an acknowledgement."},
		"page.nobody":     {"không ai (không có người trực)", "nobody (no one on duty)"},
		"page.chat":       {"nhóm %s", "chat %s"},
		"page.none":       {"Không có lần gọi trực nào.", "Nobody was paged."},

		// Steps.
		"step.skipped":   {"Bước %s: %s — bỏ qua bởi %s lúc %s; lý do: %s", "Step %s: %s — skipped by %s at %s; reason: %s"},
		"step.no_reason": {"(không nêu lý do)", "(no reason given)"},
		"step.no_skip":   {"Không có bước nào bị bỏ qua.", "No step was skipped."},
		"step.open":      {"Bước %s: %s (%s)", "Step %s: %s (%s)"},
		"step.all_done":  {"Mọi bước bắt buộc đã xong.", "Every required step is done."},
		"step.no_pb":     {"Không có kịch bản %s để đối chiếu.", "Playbook %s is not available to compare against."},
		"step.done_at":   {"Bước %s: %s — xong lúc %s (%s)", "Step %s: %s — done at %s (%s)"},
		"step.skip_at":   {"Bước %s: %s — bỏ qua lúc %s (%s)", "Step %s: %s — skipped at %s (%s)"},
		"step.note":      {"Ghi chú: %s", "Note: %s"},
		"step.reason":    {"Lý do bỏ qua: %s", "Reason for skipping: %s"},
		"step.none":      {"Chưa có bước nào được thực hiện.", "No step has been taken yet."},

		// Verification.
		"chain.line":   {"Dòng thời gian: %d sự kiện, mã băm cuối %s", "Timeline: %d events, last hash %s"},
		"chain.ok":     {"Chuỗi băm đã được kiểm tra khi lập báo cáo: nguyên vẹn. Kiểm tra lại bằng /verify.", "The hash chain was checked when this report was made: intact. Check again with /verify."},
		"chain.broken": {"CẢNH BÁO: chuỗi băm bị hỏng tại sự kiện #%d.", "WARNING: the hash chain is broken at event #%d."},
		"chain.count":  {"CẢNH BÁO: sự cố ghi %d sự kiện nhưng dòng thời gian có %d.", "WARNING: the incident records %d events but the timeline has %d."},
		"chain.tail":   {"CẢNH BÁO: sự kiện cuối không khớp với bản ghi của sự cố.", "WARNING: the last event does not match the incident's record."},
		"chain.empty":  {"Dòng thời gian trống.", "The timeline is empty."},

		// States, categories, roles, alert statuses, fields.
		"state.triggered":    {"Chờ xác nhận", "Awaiting acknowledgement"},
		"state.acknowledged": {"Đã xác nhận, đang xử lý", "Acknowledged, in progress"},
		"state.phase":        {"Đang xử lý — giai đoạn %d/%d: %s", "In progress — phase %d/%d: %s"},
		"state.resolved":     {"Đã xử lý xong", "Resolved"},
		"state.closed":       {"Đã kết thúc ứng cứu", "Closed"},
		"state.cancelled":    {"Đã huỷ", "Cancelled"},

		"cat.cyber_attack":       {"Sự cố do bị tấn công mạng", "Cyber attack"},
		"cat.technical_incident": {"Sự cố do lỗi của hệ thống, thiết bị, phần mềm, hạ tầng kỹ thuật", "Failure of a system, device, software or technical infrastructure"},
		"cat.operational_error":  {"Sự cố do lỗi của người quản trị, vận hành hệ thống", "Administrator or operator error"},
		"cat.natural_disaster":   {"Sự cố do thảm hoạ tự nhiên, hoả hoạn", "Natural disaster or fire"},

		"role.commander":          {"chỉ huy", "commander"},
		"role.operator":           {"vận hành", "operator"},
		"role.response_team":      {"đội ứng cứu", "response team"},
		"role.system_owner":       {"chủ quản hệ thống", "system owner"},
		"role.police_focal_point": {"đầu mối Công an", "police focal point"},
		"role.spokesperson":       {"người phát ngôn", "spokesperson"},
		"role.leader":             {"lãnh đạo", "leader"},
		"role.legal":              {"pháp chế", "legal"},
		"role.comms":              {"truyền thông", "communications"},
		"role.scribe":             {"thư ký", "scribe"},

		"alert.firing":   {"đang kích hoạt", "firing"},
		"alert.resolved": {"đã hết", "resolved"},

		"field.description":  {"mô tả sự cố", "description"},
		"field.how_detected": {"cách phát hiện", "how detected"},
		"field.impact":       {"ảnh hưởng", "impact"},
		"field.cause":        {"nguyên nhân", "cause"},
		"field.result":       {"kết quả xử lý", "result"},
		"field.notified":     {"đã thông báo cho", "notified"},
		"field.support":      {"đề nghị hỗ trợ", "requests for support"},
		"field.follow_ups":   {"việc cần làm tiếp", "follow-ups"},
		"field.system":       {"hệ thống bị ảnh hưởng", "affected system"},

		// Timeline events.
		"ev.declared":         {"khai báo sự cố “%s” (kịch bản %s, %s)", "declared “%s” (playbook %s, %s)"},
		"ev.declared_alert":   {"mở sự cố từ cảnh báo tuyến %s: “%s” (kịch bản %s, %s)", "opened from alerts of route %s: “%s” (playbook %s, %s)"},
		"ev.ack":              {"xác nhận sự cố, sau %s", "acknowledged, after %s"},
		"ev.phase":            {"chuyển sang giai đoạn %s", "moved to phase %s"},
		"ev.step_done":        {"hoàn thành bước %s: %s", "step %s done: %s"},
		"ev.step_skipped":     {"bỏ qua bước %s: %s", "step %s skipped: %s"},
		"ev.note":             {"ghi chú: %s", "note: %s"},
		"ev.severity":         {"đổi mức độ %s → %s", "severity %s → %s"},
		"ev.assign":           {"giao vai trò %s cho %s", "assigned %s to %s"},
		"ev.resolved":         {"xử lý xong sau %s", "resolved after %s"},
		"ev.summary":          {": %s", ": %s"},
		"ev.closed":           {"đóng sự cố", "closed the incident"},
		"ev.reopened":         {"mở lại sự cố", "reopened the incident"},
		"ev.cancelled":        {"huỷ sự cố", "cancelled the incident"},
		"ev.verified":         {"kiểm tra chuỗi băm: %s sự kiện nguyên vẹn", "checked the hash chain: %s events intact"},
		"ev.step_overdue":     {"bước %s quá hạn: %s", "step %s overdue: %s"},
		"ev.step_escalated":   {"báo cấp trên vì bước %s vẫn quá hạn", "escalated: step %s still overdue"},
		"ev.page_sent":        {"gọi trực (lần %s, cấp %s): %s", "paged (page %s, level %s): %s"},
		"ev.page_escalated":   {"gọi lên cấp %s (lần %s, vòng %s): %s", "escalated to level %s (page %s, round %s): %s"},
		"ev.page_ack":         {"nhận cuộc gọi trực lần %s, sau %s", "acknowledged page %s, after %s"},
		"ev.page_partial":     {"nhận cuộc gọi trực lần %s; còn chờ: %s", "acknowledged page %s; still waiting for: %s"},
		"ev.page_expired":     {"lần gọi trực %s hết lượt, không ai nhận", "page %s expired: nobody acknowledged"},
		"ev.page_failed":      {"không gọi được trực (lần %s): %s", "could not page (page %s): %s"},
		"ev.alert":            {"cảnh báo %s: %s", "alert %s: %s"},
		"ev.alert_repeat":     {"cảnh báo lặp lại, %s: %s", "alert repeated, %s: %s"},
		"ev.delivery":         {"không gửi được tin tới %s: %s", "could not deliver to %s: %s"},
		"ev.field_set":        {"cập nhật %s: %s", "set %s: %s"},
		"ev.reason":           {" — lý do: %s", " — reason: %s"},
		"ev.report_sent":      {"gửi báo cáo %s", "sent the %s"},
		"ev.chat_joined":      {"một nhóm chat tham gia theo dõi sự cố", "a chat joined the incident"},
		"ev.page_held":        {"tạm hoãn: không gọi trực (lần %s)", "snoozed: nobody paged (page %s)"},
		"ev.page_undelivered": {"không gọi được %s: không có kênh chat đang chạy", "could not page %s: no chat on a running platform"},
		"ev.snoozed":          {"tạm hoãn gọi trực", "snoozed paging"},
		"ev.snooze_ended":     {"hết tạm hoãn, gọi trực lại", "snooze ended; paging again"},
		"form.md":             {"báo cáo sau sự cố", "post-incident report"},
		"form.html":           {"báo cáo sau sự cố", "post-incident report"},
		"form.json":           {"dữ liệu sự cố (JSON)", "incident data (JSON)"},
		"form.vi03":           {"báo cáo ban đầu (Mẫu 03)", "initial report (Form 03)"},
		"form.vi04":           {"báo cáo kết thúc (Mẫu 04)", "closing report (Form 04)"},

		// Who was notified (derived).
		"notify.police":    {"Công an (PA05)", "Police (PA05)"},
		"notify.authority": {"Đơn vị chuyên trách ứng cứu sự cố", "Incident-response authority"},
		"notify.leader":    {"Lãnh đạo", "Leadership"},
		"notify.public":    {"Người dân, doanh nghiệp", "Citizens and businesses"},
		"notify.step":      {"%s — theo bước %s “%s”, xong lúc %s (%s)", "%s — step %s “%s”, done at %s (%s)"},
		"notify.page":      {"%s — được gọi trực lúc %s (cấp %s)", "%s — paged at %s (level %s)"},

		// How it was detected (derived).
		"how.alert":       {"Cảnh báo từ hệ thống giám sát, tuyến %s", "Alert from monitoring route %s"},
		"how.alert_title": {"Cảnh báo “%s” từ hệ thống giám sát, tuyến %s", "Alert “%s” from monitoring route %s"},
		"how.person":      {"Do %s khai báo qua irbot", "Reported by %s through irbot"},

		// Formal reports (Mẫu 03, Mẫu 04).
		"form.nation":   {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"},
		"form.motto":    {"Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"},
		"form03.code":   {"Mẫu 03 — Thông tư 20/2017/TT-BTTTT", "Form 03 — Circular 20/2017/TT-BTTTT"},
		"form03.title":  {"BÁO CÁO BAN ĐẦU SỰ CỐ AN TOÀN THÔNG TIN MẠNG", "INITIAL REPORT OF A CYBERSECURITY INCIDENT"},
		"form04.code":   {"Mẫu 04 — Thông tư 20/2017/TT-BTTTT", "Form 04 — Circular 20/2017/TT-BTTTT"},
		"form04.title":  {"BÁO CÁO KẾT THÚC ỨNG CỨU SỰ CỐ", "INCIDENT RESPONSE CLOSING REPORT"},
		"form.incident": {"(Sự cố %s)", "(Incident %s)"},
		"form.to":       {"Kính gửi:", "To:"},
		"form.basis":    {"Căn cứ %s;", "Pursuant to %s;"},

		"form.s1":       {"1. Đơn vị báo cáo", "1. Reporting unit"},
		"form.unit":     {"Tên đơn vị", "Unit"},
		"form.address":  {"Địa chỉ", "Address"},
		"form.contact":  {"Người liên hệ", "Contact person"},
		"form.phone":    {"Điện thoại", "Phone"},
		"form.email":    {"Thư điện tử", "Email"},
		"form.s2":       {"2. Hệ thống thông tin bị sự cố", "2. Affected information system"},
		"form.sys":      {"Tên hệ thống", "System"},
		"form.owner":    {"Đơn vị chủ quản", "Owner"},
		"form.operator": {"Đơn vị vận hành", "Operator"},
		"form.level":    {"Cấp độ an toàn hệ thống", "Security level"},
		"form.s3":       {"3. Thông tin sự cố", "3. The incident"},
		"form.title":    {"Tên/tiêu đề sự cố", "Incident name/title"},
		"form.desc":     {"Mô tả sự cố", "Description"},
		"form.impact":   {"Ảnh hưởng", "Impact"},
		"form.detected": {"Thời điểm xảy ra/phát hiện", "Occurred/detected at"},
		"form.how":      {"Cách thức phát hiện", "How it was detected"},
		"form.category": {"Phân loại sự cố", "Category"},
		"form.severity": {"Mức độ nghiêm trọng", "Severity"},
		"form.resolved": {"Thời điểm xử lý xong", "Resolved at"},
		"form.closed":   {"Thời điểm kết thúc ứng cứu", "Response closed at"},
		"form.duration": {"Tổng thời gian ứng cứu (từ khai báo đến xử lý xong)", "Total response time (declaration to resolution)"},
		"form.s4":       {"4. Tình trạng hiện tại", "4. Current state"},
		"form.s5":       {"5. Đã thông báo cho", "5. Who has been notified"},
		"form.s6":       {"6. Các biện pháp đã thực hiện và kết quả", "6. Measures taken and result"},
		"form.result":   {"Kết quả", "Result"},
		"form.s7":       {"7. Nguyên nhân", "7. Cause"},
		"form.s8":       {"8. Đề nghị hỗ trợ", "8. Requests for support"},
		"form.s9":       {"9. Kiến nghị, việc cần làm tiếp", "9. Recommendations and follow-ups"},
		"form.at":       {"Thời điểm báo cáo: %s", "Reported at: %s"},
		"form.set":      {"/set %s <nội dung>", "/set %s <text>"},
		"form.missing":  {"Còn thiếu %d mục (để trống ở trên). Bổ sung:", "%d fields are missing (left blank above). To fill them:"},
	}
}

// tr renders catalogue entries in one language.
type tr struct {
	l   int
	cat map[string][2]string
}

// has reports whether key is in the catalogue.
func (t tr) has(key string) bool { _, ok := t.cat[key]; return ok }

// T renders key with args. An unknown key renders as "[key]" so that it is
// seen in the output (and caught by the tests), never hidden.
func (t tr) T(key string, args ...any) string {
	e, ok := t.cat[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return e[t.l]
	}
	return fmt.Sprintf(e[t.l], args...)
}
