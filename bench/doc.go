// Package bench holds the end-to-end delivery benchmark: the built irbot
// binary, "irbot serve" with the shipped config, against a loopback fake of
// the Telegram Bot API that enforces Telegram's real limits. It measures
// what a duty officer sees: alert → page, with and without a backlog in the
// incident group; a storm of 100 alerts (level 1 and level 2); /ack → reply;
// and counts 429 answers and pages that never came.
//
// Run it with
//
//	go test -run '^$' -bench . -benchtime=1x ./bench/
//
// It prints one table (with the machine's core count) and reports the main
// numbers as benchmark metrics. It has only benchmarks: "go test ./bench/"
// runs none of the scenarios.
package bench
