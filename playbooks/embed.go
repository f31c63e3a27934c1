// Package playbooks embeds the bundled response playbooks, so the irbot
// binary runs anywhere even without this folder beside it.
package playbooks

import "embed"

// FS holds every bundled playbook (*.yaml).
//
//go:embed *.yaml
var FS embed.FS
