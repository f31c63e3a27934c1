// Runs integrations/zabbix-mediatype.js as Zabbix's webhook media type does
// (the script is a function body of one argument, value; HttpRequest and
// Zabbix are globals) and prints what it posted as JSON:
// {"url", "headers", "body", "result"}.
//
//   TZ=Asia/Ho_Chi_Minh node zabbix_harness.js <script> <params.json> [status]
'use strict';
const fs = require('fs');
const [script, paramsFile, status] = process.argv.slice(2);
const posted = {headers: []};
function HttpRequest() {}
HttpRequest.prototype.addHeader = function (h) { posted.headers.push(h); };
HttpRequest.prototype.setProxy = function (p) { posted.proxy = p; };
HttpRequest.prototype.post = function (url, data) {
    posted.url = url;
    posted.body = JSON.parse(data);
    return status && status !== '200' ? '{"error":"refused"}' : '{"incidents":[],"opened":0,"recorded":1}';
};
HttpRequest.prototype.getStatus = function () { return Number(status || 200); };
const Zabbix = {log: function () {}};
const run = new Function('value', 'HttpRequest', 'Zabbix', fs.readFileSync(script, 'utf8'));
try {
    posted.result = run(fs.readFileSync(paramsFile, 'utf8'), HttpRequest, Zabbix);
} catch (e) {
    posted.error = String(e);
}
process.stdout.write(JSON.stringify(posted, null, 2) + '\n');
