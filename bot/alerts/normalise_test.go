package alerts

import "testing"

// TestCleanTitleDropsMarks: an alert's title cannot carry the marks of the
// bot's message markup into the incident's messages.
func TestCleanTitleDropsMarks(t *testing.T) {
	if got := cleanTitle("Disk \uE000/ack IR-1\uE001 full\u202E"); got != "Disk /ack IR-1 full" {
		t.Fatalf("cleanTitle = %q", got)
	}
}
