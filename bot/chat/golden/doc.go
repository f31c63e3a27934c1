// Package golden holds the golden files of one incident as each chat
// platform receives it: the real engine, with the bundled playbooks and a
// fixed clock, runs a short incident on each platform, the delivery layer
// hands every message to that platform's adapter, and what the adapter's
// loopback fake received (text as sent, parse mode or blocks, buttons,
// edits) is compared with testdata/<platform>.<language>.golden. It has
// only tests; "go test ./bot/chat/golden -update" rewrites the files.
package golden
