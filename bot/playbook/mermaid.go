package playbook

import "strings"

// Mermaid returns the incident lifecycle for this playbook as a Mermaid
// stateDiagram-v2. The states are triggered, acknowledged, each phase in
// order (described by its English name), resolved, closed and cancelled;
// the transitions are the ones the incident engine builds:
//
//	[*] --> triggered
//	triggered --> acknowledged : ack
//	acknowledged --> <phase 1> : next, <phase i> --> <phase i+1> : next
//	acknowledged, every phase --> resolved : resolve
//	resolved --> closed : close
//	triggered, acknowledged, every phase --> cancelled : cancel
//	resolved, closed, cancelled --> acknowledged : reopen
//	closed --> [*]
//
// The output is deterministic. Phase ids that Mermaid cannot parse as
// state names (ids containing "-", or keywords such as "state" and
// "note") are written with "-" replaced by "_" and, if needed, a "_"
// suffix; the graph is otherwise unchanged.
func (p *Playbook) Mermaid() string {
	ids := mermaidIDs(p.Phases)
	var b strings.Builder
	line := func(parts ...string) {
		b.WriteString("    ")
		for _, s := range parts {
			b.WriteString(s)
		}
		b.WriteByte('\n')
	}
	edge := func(from, to, event string) {
		if event == "" {
			line(from, " --> ", to)
			return
		}
		line(from, " --> ", to, " : ", event)
	}

	b.WriteString("stateDiagram-v2\n")
	for i, ph := range p.Phases {
		if name := mermaidLabel(ph.Name.In("en")); name != "" {
			line(`state "`, name, `" as `, ids[i])
		}
	}
	edge("[*]", StateTriggered, "")
	edge(StateTriggered, StateAcknowledged, EventAck)
	prev := StateAcknowledged
	for _, id := range ids {
		edge(prev, id, EventNext)
		prev = id
	}
	edge(StateAcknowledged, StateResolved, EventResolve)
	for _, id := range ids {
		edge(id, StateResolved, EventResolve)
	}
	edge(StateResolved, StateClosed, EventClose)
	edge(StateTriggered, StateCancelled, EventCancel)
	edge(StateAcknowledged, StateCancelled, EventCancel)
	for _, id := range ids {
		edge(id, StateCancelled, EventCancel)
	}
	edge(StateResolved, StateAcknowledged, EventReopen)
	edge(StateClosed, StateAcknowledged, EventReopen)
	edge(StateCancelled, StateAcknowledged, EventReopen)
	edge(StateClosed, "[*]", "")
	return b.String()
}

// mermaidIDs returns a Mermaid-safe, unique state id for every phase.
func mermaidIDs(phases []Phase) []string {
	used := make(map[string]bool, len(phases)+5)
	for _, s := range reservedStates() {
		used[s] = true
	}
	ids := make([]string, len(phases))
	// Safe ids keep their name; they are assigned first so that a
	// rewritten id never takes the name of a later phase.
	for i, ph := range phases {
		if mermaidSafe(ph.ID) && !used[ph.ID] {
			ids[i] = ph.ID
			used[ph.ID] = true
		}
	}
	for i, ph := range phases {
		if ids[i] != "" {
			continue
		}
		id := mermaidSanitize(ph.ID)
		for used[id] || !mermaidSafe(id) {
			id += "_"
		}
		ids[i] = id
		used[id] = true
	}
	return ids
}

// mermaidSafe reports whether id can be written as a state id as is.
func mermaidSafe(id string) bool {
	if id == "" {
		return false
	}
	switch strings.ToLower(id) {
	case "state", "note", "scale", "class", "classdef", "style", "direction", "hide", "end", "click", "acctitle", "accdescr", "default":
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// mermaidSanitize maps every character that is not a letter, digit or
// "_" to "_".
func mermaidSanitize(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "phase"
	}
	return string(b)
}

// mermaidLabel makes s safe inside a quoted state description.
func mermaidLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '"':
			return '\''
		case '\n', '\r', '\t':
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
