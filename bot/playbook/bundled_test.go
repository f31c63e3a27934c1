package playbook

import (
	"strings"
	"testing"
)

const bundledDir = "../../playbooks"

func bundledOptions() Options {
	return Options{Escalations: []string{"security", "ops"}}
}

func TestBundledPlaybooksValidate(t *testing.T) {
	set, err := LoadDir(bundledDir, bundledOptions())
	if err != nil {
		t.Fatalf("bundled playbooks do not validate:\n%v", err)
	}
	want := map[string]string{
		"ransomware":        "cyber_attack",
		"ddos":              "cyber_attack",
		"defacement":        "cyber_attack",
		"phishing":          "cyber_attack",
		"data_leak":         "cyber_attack",
		"outage":            "technical_incident",
		"operational_error": "operational_error",
		"disaster":          "natural_disaster",
	}
	list := set.List()
	if len(list) < 8 {
		t.Errorf("got %d bundled playbooks, want at least 8", len(list))
	}
	for id, category := range want {
		pb, ok := set.Get(id)
		if !ok {
			t.Errorf("bundled playbook %q is missing", id)
			continue
		}
		if pb.Category != category {
			t.Errorf("%s: category %q, want %q", id, pb.Category, category)
		}
	}
	for _, pb := range list {
		t.Run(pb.ID, func(t *testing.T) { checkBundled(t, pb) })
	}
}

func checkBundled(t *testing.T, pb *Playbook) {
	t.Helper()
	if n := len(pb.Phases); n < 3 || n > 5 {
		t.Errorf("%s has %d phases, want 3..5", pb.File, n)
	}
	bilingual := func(what string, txt Text) {
		t.Helper()
		for _, lang := range []string{"vi", "en"} {
			if strings.TrimSpace(txt[lang]) == "" {
				t.Errorf("%s: %s has no %q text", pb.File, what, lang)
			}
		}
		if len(txt) != 2 {
			t.Errorf("%s: %s has languages %v, want exactly vi and en", pb.File, what, txt)
		}
	}
	bilingual("name", pb.Name)
	bilingual("description", pb.Description)
	if pb.Severity < 1 || pb.Severity > 4 {
		t.Errorf("%s: severity %d", pb.File, pb.Severity)
	}
	if len(pb.Match) == 0 {
		t.Errorf("%s: no match labels", pb.File)
	}
	if pb.Escalation == "" {
		t.Errorf("%s: no escalation", pb.File)
	}
	if pb.Category == CategoryCyberAttack && pb.Escalation != "security" {
		t.Errorf("%s: cyber playbook escalates to %q, want security", pb.File, pb.Escalation)
	}
	if pb.Category != CategoryCyberAttack && pb.Escalation != "ops" {
		t.Errorf("%s: non-cyber playbook escalates to %q, want ops", pb.File, pb.Escalation)
	}
	if pb.SummaryEvery[1] == 0 || pb.SummaryEvery[2] == 0 {
		t.Errorf("%s: summary_every must cover sev1 and sev2, got %v", pb.File, pb.SummaryEvery)
	}
	required, due := 0, 0
	roles := map[string]bool{}
	for _, ph := range pb.Phases {
		bilingual("name of phase "+ph.ID, ph.Name)
		if n := len(ph.Steps); n < 2 || n > 5 {
			t.Errorf("%s: phase %s has %d steps, want 2..5", pb.File, ph.ID, n)
		}
		for _, st := range ph.Steps {
			bilingual("title of step "+st.ID, st.Title)
			if st.Detail != nil {
				bilingual("detail of step "+st.ID, st.Detail)
			}
			if st.Role == "" {
				t.Errorf("%s: step %s has no role", pb.File, st.ID)
			}
			roles[st.Role] = true
			if st.Required {
				required++
			}
			if st.Due > 0 {
				due++
			}
		}
	}
	if required < 3 {
		t.Errorf("%s: only %d required steps", pb.File, required)
	}
	if due < 2 {
		t.Errorf("%s: only %d steps with a due time", pb.File, due)
	}
	for _, r := range []string{"operator", "response_team", "system_owner"} {
		if !roles[r] {
			t.Errorf("%s: no step for role %s", pb.File, r)
		}
	}
	if !roles["spokesperson"] {
		t.Errorf("%s: no step for the spokesperson", pb.File)
	}
	// Cyber incidents are reported to the provincial police focal point.
	if pb.Category == CategoryCyberAttack && !roles["police_focal_point"] {
		t.Errorf("%s: cyber playbook without a police_focal_point step", pb.File)
	}
	steps := pb.Steps()
	for i, st := range steps {
		if st.Number != i+1 {
			t.Errorf("%s: step %s numbered %d, want %d", pb.File, st.ID, st.Number, i+1)
		}
	}
	if !strings.Contains(pb.File, "playbooks") {
		t.Errorf("File = %q", pb.File)
	}
}

func TestBundledFileNamesMatchIDs(t *testing.T) {
	set, err := LoadDir(bundledDir, bundledOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, pb := range set.List() {
		base := pb.File[strings.LastIndexAny(pb.File, `/\`)+1:]
		base = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
		if strings.ReplaceAll(base, "-", "_") != pb.ID {
			t.Errorf("%s holds playbook %q; name the file after the id", pb.File, pb.ID)
		}
	}
}

// TestBundledPlaybooksSpeakVietnamese: the Vietnamese texts of the bundled
// playbooks use the Vietnamese words officers read everywhere else
// ("kịch bản", not "playbook").
func TestBundledPlaybooksSpeakVietnamese(t *testing.T) {
	set, err := LoadDir(bundledDir, bundledOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, pb := range set.List() {
		texts := []string{pb.Name.In("vi")}
		for _, ph := range pb.Phases {
			texts = append(texts, ph.Name.In("vi"))
			for _, st := range ph.Steps {
				texts = append(texts, st.Title.In("vi"))
			}
		}
		for _, s := range texts {
			for _, w := range []string{"playbook", "incident", "commander"} {
				if strings.Contains(strings.ToLower(s), w) {
					t.Errorf("%s: %q has the English word %q", pb.ID, s, w)
				}
			}
		}
	}
}
