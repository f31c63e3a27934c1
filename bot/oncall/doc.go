// Package oncall computes who is on duty (trực ban) from on-call rosters,
// and what an escalation policy decides: which level and round a step of a
// page is, who it pages at a given time (Level.Resolve), when it escalates
// (Policy.DueAt), whether it is the last (Policy.Last) and who must still
// acknowledge (Policy.Waiting).
//
// It is pure time arithmetic: every function takes the instant it reasons
// about as an argument and never reads the clock, so results are
// reproducible and table-testable. Stored overrides, announcements and
// the pages themselves belong to the engine.
//
// # Model
//
// A [Roster] (decoded from YAML by the caller) is a stack of [Layer]s plus a
// list of [Override]s. [Compile] validates it and returns an immutable
// [Schedule], which is safe for concurrent use. At any instant the winner is:
//
//  1. the person of the highest (last-listed) layer that is active at that
//     instant — a layer with restrictions (days, between, dates) is
//     transparent outside them and lower layers show through;
//  2. then every override active at that instant is applied in list order:
//     an override without Replace replaces whoever is on duty (and fills a
//     gap when nobody is), one with Replace only replaces that person. Later
//     overrides therefore win over earlier ones.
//
// Rotations advance with time whether or not the layer is active: a
// weekend-only daily layer shows on Saturday whoever the rotation assigns
// to that Saturday.
//
// # Local time and DST
//
// Daily and weekly rotations, restriction windows and the rotation anchor
// are local wall-clock times in the roster's zone (default
// Asia/Ho_Chi_Minh, which has no DST). A daily handoff at 07:30 happens at
// 07:30 local every day, so across a DST change the shift before it is 23h
// or 25h long. Hourly and pattern rotations are absolute durations counted
// from the anchor instant, so after a DST change they hand off at a
// different local hour.
//
// Local times that do not exist or occur twice are resolved as RFC 5545
// (section 3.3.5) prescribes, identically in every zone (time.Date does not
// guarantee a choice, and in practice picks differently for zones east and
// west of UTC):
//
//   - A nonexistent time (in a spring-forward gap) is interpreted with the
//     UTC offset in force before the gap, i.e. it moves forward by the
//     length of the gap. A daily handoff at 02:30 in Europe/Berlin on
//     2026-03-29 happens at 03:30 CEST (01:30 UTC); in America/New_York on
//     2026-03-08 at 03:30 EDT (07:30 UTC).
//   - An ambiguous time (in a fall-back overlap) is the first occurrence: a
//     02:30 handoff in Europe/Berlin on 2026-10-25 happens at 02:30 CEST
//     (00:30 UTC), a 01:30 handoff in America/New_York on 2026-11-01 at
//     01:30 EDT (05:30 UTC).
//
// Restriction windows follow the same rule, so a between "02:00-03:00"
// window is empty in Europe/Berlin on 2026-03-29 and two hours long on
// 2026-10-25.
//
// Historical zones with more than one transition within a day are not
// specially modelled.
package oncall
