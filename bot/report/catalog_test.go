package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogueHasEveryKeyUsed finds every literal key the package renders
// and checks it is in the catalogue (as "report."+key); dynamic keys (state.,
// role., cat., field., alert., ev.) are checked for the values they take.
// i18n's own tests check every key has both languages and the same verbs.
func TestCatalogueHasEveryKeyUsed(t *testing.T) {
	cat := newTr("en")
	files, _ := filepath.Glob("*.go")
	call := regexp.MustCompile(`\.T\("([a-z0-9_.]*[a-z0-9_])"[,)]`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			found++
			if !cat.has(m[1]) {
				t.Errorf("%s renders %q, which is not in the catalogue", f, m[1])
			}
		}
	}
	if found < 50 {
		t.Fatalf("found only %d keys; is the pattern right?", found)
	}
	var dynamic []string
	for _, s := range []string{"triggered", "acknowledged", "resolved", "closed", "cancelled"} {
		dynamic = append(dynamic, "state."+s)
	}
	for _, c := range []string{"cyber_attack", "technical_incident", "operational_error", "natural_disaster"} {
		dynamic = append(dynamic, "cat."+c)
	}
	for _, f := range []string{FieldDescription, FieldHowDetected, FieldImpact, FieldCause, FieldResult, FieldNotified, FieldSupport, FieldFollowUps, FieldSystem} {
		dynamic = append(dynamic, "field."+f)
	}
	for _, k := range []string{"alert.firing", "alert.resolved", "ev.alert", "ev.alert_repeat"} {
		dynamic = append(dynamic, k)
	}
	for _, r := range []string{"commander", "operator", "response_team", "system_owner", "police_focal_point", "spokesperson", "leader", "legal", "comms", "scribe"} {
		dynamic = append(dynamic, "role."+r)
	}
	for _, k := range dynamic {
		if !cat.has(k) {
			t.Errorf("dynamic key %q is not in the catalogue", k)
		}
	}
}

func TestSettableFieldsAreNamed(t *testing.T) {
	r := newRep(Input{Lang: "en"})
	for _, f := range SettableFields() {
		if !r.has("field." + f) {
			t.Errorf("field %s has no name", f)
		}
		if h := r.fillHint(f); h != "/set "+f+" <text>" {
			t.Errorf("fill hint of %s: %q", f, h)
		}
	}
}
