// Package alerts turns the webhooks of monitoring systems into normalised
// bot.Alert values: Prometheus Alertmanager (webhook_config, payload
// version "4"), Grafana unified alerting (webhook contact point, payload
// version "1"), plain JSON webhooks mapped with dotted paths, Zabbix
// (through irbot's webhook media type, integrations/zabbix-mediatype.js),
// Wazuh alerts (integrations/custom-irbot, or Wazuh's shuffle
// integration), Uptime Kuma's webhook notification and PagerDuty Events
// API v2 events. The kinds are listed by Kinds; a route's kind picks the
// decoder.
//
// A Route is one intake endpoint. Its credentials are resolved once with
// Route.Resolve; Auth.Authorize checks each request (bearer token, Basic
// auth with the token as password, a PagerDuty event's routing_key, or an
// HMAC-SHA256 signature of the body) in constant time. Route.SeverityOf
// maps an alert to sev1..sev4 and Route.PlaybookOf names the playbook
// when none matches its labels. Decode parses a body of the route's kind:
//
//   - malformed JSON, and a value of the wrong JSON type, is a
//     *SyntaxError carrying the line and column of the offending byte;
//   - a body without alerts is ErrEmpty, one with more than MaxAlerts is
//     ErrTooMany; a well-formed body with nothing to record (a test
//     notification) is ErrNoAlert, which callers answer as a success;
//   - any other problem (an unknown status, a bad timestamp) is a plain
//     error naming the field, such as
//     `alerts[2].status: "burning" is not firing or resolved`.
//
// Decoded alerts are sanitised: strings are valid UTF-8, label keys and
// values are cut to MaxLabelBytes, titles are one line, URLs other than
// http(s) are dropped, credentials sent in a body are redacted in Raw,
// and every alert has a Fingerprint and a GroupKey. An alert's Status is
// firing, resolved or (pagerduty, zabbix) StatusAcknowledged.
// The package keeps no state; everything is safe for concurrent use.
package alerts
