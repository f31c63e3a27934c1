// Package alerts turns the webhooks of monitoring systems into normalised
// bot.Alert values: Prometheus Alertmanager (webhook_config, payload
// version "4"), Grafana unified alerting (webhook contact point, payload
// version "1") and plain JSON webhooks mapped with dotted paths.
//
// A Route is one intake endpoint. Its credentials are resolved once with
// Route.Resolve; Auth.Authorize checks each request (bearer token, Basic
// auth with the token as password, or an HMAC-SHA256 signature of the
// body) in constant time. Decode parses a body of the route's kind:
//
//   - malformed JSON, and a value of the wrong JSON type, is a
//     *SyntaxError carrying the line and column of the offending byte;
//   - a body without alerts is ErrEmpty, one with more than MaxAlerts is
//     ErrTooMany;
//   - any other problem (an unknown status, a bad timestamp) is a plain
//     error naming the field, such as
//     `alerts[2].status: "burning" is not firing or resolved`.
//
// Decoded alerts are sanitised: strings are valid UTF-8, label keys and
// values are cut to MaxLabelBytes, titles are one line, URLs other than
// http(s) are dropped, and every alert has a Fingerprint and a GroupKey.
// The package keeps no state; everything is safe for concurrent use.
package alerts
