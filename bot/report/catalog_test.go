package report

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// verbs returns a template's fmt verbs in order.
func verbs(s string) []string {
	return regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`).FindAllString(s, -1)
}

func TestCatalogueHasBothLanguages(t *testing.T) {
	for key, e := range catalogue() {
		if strings.TrimSpace(e[langVI]) == "" || strings.TrimSpace(e[langEN]) == "" {
			t.Errorf("%s: missing a language: %q", key, e)
		}
		if v, en := verbs(e[langVI]), verbs(e[langEN]); !slices.Equal(v, en) {
			t.Errorf("%s: vi has verbs %v, en %v", key, v, en)
		}
	}
}

// TestCatalogueHasEveryKeyUsed finds every literal key the package renders
// and checks it is in the catalogue; dynamic keys (state., role., cat.,
// field., alert., ev.) are checked for the values they take.
func TestCatalogueHasEveryKeyUsed(t *testing.T) {
	cat := catalogue()
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
			if _, ok := cat[m[1]]; !ok {
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
		if _, ok := cat[k]; !ok {
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
