// irbot webhook media type for Zabbix (6.0 LTS and later).
//
// Posts a trigger's problems and recoveries (and, in update operations, its
// acknowledgements) to an irbot route of kind zabbix, as JSON with the
// route's bearer token. Create a media type of type Webhook with this script
// and these parameters (name = value):
//
//   url                  https://irbot.example.gov.vn/alerts/zabbix   (the route)
//   token                {$IRBOT.TOKEN}        (a global macro of type Secret text)
//   zabbix_url           {$ZABBIX.URL}         (the frontend, for links; optional)
//   event_id             {EVENT.ID}
//   event_value          {EVENT.VALUE}         (1 problem, 0 recovery)
//   event_source         {EVENT.SOURCE}
//   event_update_status  {EVENT.UPDATE.STATUS}
//   event_ack_status     {EVENT.ACK.STATUS}
//   event_severity       {EVENT.SEVERITY}
//   event_nseverity      {EVENT.NSEVERITY}
//   event_name           {EVENT.NAME}
//   event_opdata         {EVENT.OPDATA}
//   event_date           {EVENT.DATE}
//   event_time           {EVENT.TIME}
//   event_recovery_id    {EVENT.RECOVERY.ID}
//   event_recovery_date  {EVENT.RECOVERY.DATE}
//   event_recovery_time  {EVENT.RECOVERY.TIME}
//   event_tags           {EVENT.TAGSJSON}
//   host_name            {HOST.NAME}
//   host_ip              {HOST.IP}
//   trigger_id           {TRIGGER.ID}
//   trigger_description  {TRIGGER.DESCRIPTION}
//   HTTPProxy                                  (optional)
//
// The body is every parameter except url, token and HTTPProxy, with
// event_tags parsed into an array and event_timestamp and
// event_recovery_timestamp added in UTC (RFC 3339), computed from the
// date and time macros, which Zabbix writes in the server's time zone.
// Macros Zabbix cannot resolve here (the recovery ones in a problem) are
// sent as written; irbot ignores them, except in ids, where they are an
// error it names in its answer.

// unresolved reports whether a parameter is empty or a macro Zabbix left
// as written ("{EVENT.RECOVERY.DATE}") or could not resolve ("*UNKNOWN*").
function unresolved(s) {
    return typeof s !== 'string' || s === '' || s === '*UNKNOWN*' || /^\{[A-Z0-9_.$]+\}$/.test(s);
}

// utc turns "2024.05.14" and "10:02:31", the Zabbix server's local time,
// into "2024-05-14T03:02:31.000Z"; '' when they are not a date and time.
function utc(date, time) {
    if (unresolved(date) || unresolved(time)) {
        return '';
    }
    var d = date.split('.'), t = time.split(':');
    if (d.length !== 3 || t.length !== 3) {
        return '';
    }
    var local = new Date(+d[0], +d[1] - 1, +d[2], +t[0], +t[1], +t[2]);
    return isNaN(local.getTime()) ? '' : local.toISOString();
}

// tags parses {EVENT.TAGSJSON}: [{"tag": "scope", "value": "availability"}, …].
function tags(json) {
    if (unresolved(json)) {
        return [];
    }
    try {
        var list = JSON.parse(json);
        return Array.isArray(list) ? list : [];
    } catch (error) {
        return [];
    }
}

try {
    var params = JSON.parse(value),
        body = {},
        req = new HttpRequest(),
        resp,
        key;

    if (typeof params.url !== 'string' || !/^https?:\/\//.test(params.url)) {
        throw 'parameter "url" must be the irbot route, https://<irbot>/alerts/<route>';
    }
    if (unresolved(params.token)) {
        throw 'parameter "token" is empty: set it to the route\'s token, e.g. the secret macro {$IRBOT.TOKEN}';
    }
    for (key in params) {
        if (params.hasOwnProperty(key) && key !== 'url' && key !== 'token' && key !== 'HTTPProxy') {
            body[key] = params[key];
        }
    }
    body.event_tags = tags(params.event_tags);
    body.event_timestamp = utc(params.event_date, params.event_time);
    body.event_recovery_timestamp = utc(params.event_recovery_date, params.event_recovery_time);

    if (typeof params.HTTPProxy === 'string' && params.HTTPProxy.trim() !== '') {
        req.setProxy(params.HTTPProxy);
    }
    req.addHeader('Content-Type: application/json');
    req.addHeader('Authorization: Bearer ' + params.token);
    resp = req.post(params.url, JSON.stringify(body));
    if (req.getStatus() != 200) {
        throw 'irbot answered HTTP ' + req.getStatus() + ': ' + String(resp).substring(0, 500);
    }
    return 'OK';
} catch (error) {
    Zabbix.log(3, '[irbot webhook] notification failed: ' + error);
    throw 'irbot notification failed: ' + error;
}
